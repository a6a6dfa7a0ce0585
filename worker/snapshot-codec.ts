import { Gzip, gunzipSync, strFromU8, strToU8 } from 'fflate';
import { hashText } from '../src/hash.js';

/** A state turned into snapshot bytes. */
export interface EncodedState {
  bytes: Uint8Array;
  rawBytes: number;
  hash: string;
}

/** Gzip level 1: the measurements in DESIGN.md show it ~3.7× smaller at ~28 MB/s. */
export const SNAPSHOT_GZIP_LEVEL = 1;

/**
 * Bytes gzipped between two yields to the event loop: ~10 ms of work at
 * fflate's level-1 speed, so commits keep flowing while a large state is
 * being checkpointed.
 */
export const SNAPSHOT_SLICE_BYTES = 256 * 1024;

/**
 * Serialises a state as JSON and gzips it; the hash is of the JSON. Large
 * states are compressed in slices with a yield between them, so a
 * checkpoint does not stall the worker. The state must not be mutated
 * meanwhile (reducers return new objects, so it is not).
 */
export async function encodeState(state: unknown): Promise<EncodedState> {
  const json = JSON.stringify(state);
  const raw = strToU8(json);
  const hash = hashText(json);
  const chunks: Uint8Array[] = [];
  const gzip = new Gzip({ level: SNAPSHOT_GZIP_LEVEL }, (chunk) => chunks.push(chunk));
  for (let offset = 0; ; offset += SNAPSHOT_SLICE_BYTES) {
    const last = offset + SNAPSHOT_SLICE_BYTES >= raw.length;
    gzip.push(raw.subarray(offset, offset + SNAPSHOT_SLICE_BYTES), last);
    if (last) break;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { bytes: concat(chunks), rawBytes: raw.length, hash };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/**
 * Reverses encodeState; also returns the JSON text, which a page can be sent
 * as is. Throws a plain Error saying what is wrong when the
 * bytes do not decompress, do not hash to `hash`, or are not JSON.
 */
export function decodeState(bytes: Uint8Array, hash: string): { state: unknown; json: string } {
  let json: string;
  try {
    json = strFromU8(gunzipSync(bytes));
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  // fflate does not check the gzip CRC, so the hash is what catches bit rot.
  if (hashText(json) !== hash) throw new Error('its hash does not match its contents');
  return { state: JSON.parse(json), json };
}
