import type * as FflateModule from './fflate-parts.js';
import { TidemarkError } from '../src/errors.js';
import { hashAsciiBytes, hashText } from '../src/hash.js';
import { findNotPlainData } from '../src/plain-data.js';

/** A state turned into snapshot bytes. */
export interface EncodedState {
  bytes: Uint8Array;
  rawBytes: number;
  hash: string;
}

/** fflate's gzip level where the platform has no CompressionStream: the measurements in DESIGN.md show level 1 ~3.7× smaller at ~28 MB/s. */
export const SNAPSHOT_GZIP_LEVEL = 1;

/**
 * Bytes gzipped between two yields to the event loop: ~10 ms of work at
 * fflate's level-1 speed, so commits keep flowing while a large state is
 * being checkpointed.
 */
export const SNAPSHOT_SLICE_BYTES = 256 * 1024;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** fflate's parts tidemark uses, as loadFflate gives them. */
export type Fflate = typeof FflateModule;

let fflate: Promise<Fflate> | undefined;

/**
 * fflate, loaded on first use. The platform's CompressionStream and
 * DecompressionStream do the work wherever they exist (every browser
 * tidemark tests, Node ≥ 18): native, faster than fflate at level 1 and
 * smaller, and fflate's ~8 KB stay out of the worker's first download.
 * fflate is for older engines and for the load path that must decompress
 * synchronously inside a transaction.
 */
export function loadFflate(): Promise<Fflate> {
  return (fflate ??= import('./fflate-parts.js'));
}

/**
 * Serialises a state as JSON (checked: see toCheckedJson) and gzips it; the hash is of the JSON. Large
 * states are compressed in slices with a yield between them, so a
 * checkpoint does not stall the worker. The state must not be mutated
 * meanwhile (reducers return new objects, so it is not).
 */
export async function encodeState(state: unknown): Promise<EncodedState> {
  return encodeJson(toCheckedJson(state));
}

/** encodeState of a value already turned into JSON (e.g. journal records for a remote segment). */
export async function encodeJson(json: string): Promise<EncodedState> {
  const raw = utf8.encode(json);
  const hash = hashAsciiBytes(raw) ?? hashText(json); // the same hash, twice as fast on ASCII
  const bytes = typeof CompressionStream === 'function' ? await gzipNatively(raw) : await gzipInSlices(raw);
  return { bytes, rawBytes: raw.length, hash };
}

/** Gzip by the platform, fed in slices so the worker's event loop turns between them. */
async function gzipNatively(raw: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new CompressionStream('gzip');
  const compressed = readAll(stream.readable.getReader());
  const writer = stream.writable.getWriter();
  for (let offset = 0; offset < raw.length; offset += SNAPSHOT_SLICE_BYTES) {
    await writer.write(raw.subarray(offset, offset + SNAPSHOT_SLICE_BYTES));
  }
  await writer.close();
  return compressed;
}

async function gzipInSlices(raw: Uint8Array): Promise<Uint8Array> {
  const { Gzip } = await loadFflate();
  const chunks: Uint8Array[] = [];
  const gzip = new Gzip({ level: SNAPSHOT_GZIP_LEVEL }, (chunk) => chunks.push(chunk));
  for (let offset = 0; ; offset += SNAPSHOT_SLICE_BYTES) {
    const last = offset + SNAPSHOT_SLICE_BYTES >= raw.length;
    gzip.push(raw.subarray(offset, offset + SNAPSHOT_SLICE_BYTES), last);
    if (last) break;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return concat(chunks);
}

const notPlain = new Error('not plain data');

/**
 * Checks each value as JSON.stringify meets it: `this[key]` is the value
 * before `toJSON` (a Date arrives as a string), so anything JSON would change
 * on the way back (a Map, a class instance, undefined, a hole, -0, NaN, a
 * toJSON) throws. Plain objects and arrays pass through untouched.
 */
function plainOnly(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  switch (typeof raw) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(raw) && !Object.is(raw, -0)) return value;
      throw notPlain;
    case 'object':
      if (raw === null || (raw === value && (Array.isArray(raw) || isPlainObject(raw)))) return value;
      throw notPlain;
    default:
      throw notPlain;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `JSON.stringify(state)`, refusing a state that would not load back equal:
 * the check rides on the one walk JSON.stringify makes (a replacer), and the
 * path is looked for only when it fails.
 * @throws TidemarkError `NOT_PLAIN_DATA` with `details.path` and `details.found`.
 */
export function toCheckedJson(state: unknown): string {
  try {
    return JSON.stringify(state, plainOnly);
  } catch (error) {
    // The replacer's own throw, or JSON.stringify's on a cycle or a BigInt.
    const bad = findNotPlainData(state) ?? { path: '', found: error instanceof Error ? error.message : String(error) };
    throw new TidemarkError(
      'NOT_PLAIN_DATA',
      `The state holds ${bad.found} at ${bad.path || 'its root'}, which JSON does not keep: a snapshot of it would load ` +
        'back different (a Map becomes {}, a hole null, undefined is dropped, -0 becomes 0). No snapshot was written; ' +
        'the journal still holds every commit. Find the reducer that puts it there and make it return plain data ' +
        '(turn on devChecks in defineStore to catch it at that commit).',
      { cause: error === notPlain ? undefined : error, details: { path: bad.path, found: bad.found } },
    );
  }
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

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
  return concat(chunks.length > 0 ? chunks : [new Uint8Array(0)]);
}

/** True where the platform gunzips natively (DecompressionStream): browsers, Node ≥ 18. */
export function canGunzipNatively(): boolean {
  return typeof DecompressionStream === 'function' && typeof Blob === 'function';
}

/**
 * The snapshot's JSON, checked against its hash but not parsed: by the
 * platform's DecompressionStream (which also checks the gzip CRC) where
 * there is one, else by fflate. The hash is of the text JSON.stringify
 * wrote, so text that matches it parses.
 * @throws Error saying what is wrong when the bytes do not decompress or do not hash to `hash`.
 */
export async function verifySnapshotJson(bytes: Uint8Array, hash: string): Promise<string> {
  if (!canGunzipNatively()) return verifyState(await loadFflate(), bytes, hash);
  let raw: Uint8Array;
  try {
    raw = await gunzipNatively(bytes);
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  const json = fromUtf8.decode(raw);
  if ((hashAsciiBytes(raw) ?? hashText(json)) !== hash) throw new Error('its hash does not match its contents');
  return json;
}

/**
 * Gunzips with DecompressionStream, read chunk by chunk. Not through
 * `new Response(stream).arrayBuffer()`: Firefox logs a console error for a
 * Response body that fails to decompress even when the rejection is handled,
 * so every damaged snapshot, already reported in the load report, would also
 * show up as an error in the app's console.
 */
function gunzipNatively(bytes: Uint8Array): Promise<Uint8Array> {
  return readAll(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader());
}

/**
 * verifySnapshotJson with fflate, synchronously: for a load that must check
 * snapshots inside its transaction (see loadFflate to get `fflate`).
 */
export function verifyState(fflate: Fflate, bytes: Uint8Array, hash: string): string {
  let json: string;
  try {
    json = fromUtf8.decode(fflate.gunzipSync(bytes));
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  // fflate does not check the gzip CRC, so the hash is what catches bit rot.
  if (hashText(json) !== hash) throw new Error('its hash does not match its contents');
  return json;
}

/** Reverses encodeState; also returns the JSON text, which a page can be sent as is. Throws like verifySnapshotJson. */
export async function decodeState(bytes: Uint8Array, hash: string): Promise<{ state: unknown; json: string }> {
  const json = await verifySnapshotJson(bytes, hash);
  return { state: JSON.parse(json), json };
}
