import { Gzip, gunzipSync, strFromU8, strToU8 } from 'fflate';
import { hashAsciiBytes, hashText } from '../src/hash.js';

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
  return encodeJson(JSON.stringify(state));
}

/** encodeState of a value already turned into JSON (e.g. journal records for a remote segment). */
export async function encodeJson(json: string): Promise<EncodedState> {
  const raw = strToU8(json);
  const hash = hashAsciiBytes(raw) ?? hashText(json); // the same hash, twice as fast on ASCII
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
  const json = verifyState(bytes, hash);
  return { state: JSON.parse(json), json };
}

/** True where the platform gunzips natively (DecompressionStream): browsers, Node ≥ 18. */
export function canGunzipNatively(): boolean {
  return typeof DecompressionStream === 'function' && typeof Blob === 'function' && typeof Response === 'function';
}

/**
 * verifyState with the platform's DecompressionStream, which also checks the
 * gzip CRC: native code, so as fast in a fresh worker as anywhere, where
 * fflate runs before its code is compiled. Same checks, same errors.
 */
export async function verifyStateNatively(bytes: Uint8Array, hash: string): Promise<string> {
  let raw: Uint8Array;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    raw = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  const json = strFromU8(raw);
  if ((hashAsciiBytes(raw) ?? hashText(json)) !== hash) throw new Error('its hash does not match its contents');
  return json;
}

/**
 * The first half of decodeState: the snapshot's JSON, checked against its
 * hash but not parsed. The hash is of the text JSON.stringify wrote, so text
 * that matches it parses. Throws like decodeState.
 */
export function verifyState(bytes: Uint8Array, hash: string): string {
  let json: string;
  try {
    json = strFromU8(gunzipSync(bytes));
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  // fflate does not check the gzip CRC, so the hash is what catches bit rot.
  if (hashText(json) !== hash) throw new Error('its hash does not match its contents');
  return json;
}
