import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import { hashText } from '../src/hash.js';

/** A state turned into snapshot bytes. */
export interface EncodedState {
  bytes: Uint8Array;
  rawBytes: number;
  hash: string;
}

/** Gzip level 1: the measurements in DESIGN.md show it ~3.7× smaller at ~28 MB/s. */
export const SNAPSHOT_GZIP_LEVEL = 1;

/** Serialises a state as JSON and gzips it; the hash is of the JSON. */
export function encodeState(state: unknown): EncodedState {
  const json = JSON.stringify(state);
  const raw = strToU8(json);
  return { bytes: gzipSync(raw, { level: SNAPSHOT_GZIP_LEVEL }), rawBytes: raw.length, hash: hashText(json) };
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
