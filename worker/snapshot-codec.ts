import type * as FflateModule from './fflate-parts.js';
import { TidemarkError } from '../src/errors.js';
import { hashAsciiBytes, hashText, TextHash } from '../src/hash.js';
import { jsonParts } from './json-parts.js';
import { findNotPlainData } from '../src/plain-data.js';
import { yieldToOthers } from './yield-to-others.js';

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

/** Most milliseconds of work between two yields to the event loop while a snapshot is made. */
export const SNAPSHOT_SLICE_MS = 8;

/**
 * Serialises a state as JSON (checked: see toCheckedJson) and gzips it; the
 * hash is of the JSON. A large state is written a part at a time (see
 * json-parts.ts), each part hashed and compressed as it comes, with a yield
 * to the event loop every few milliseconds, so a checkpoint never holds the
 * worker for long and commits keep flowing. The state must not be mutated
 * meanwhile (reducers return new objects, so it is not).
 * @throws TidemarkError `NOT_PLAIN_DATA` with `details.path` and `details.found`.
 */
export async function encodeState(state: unknown): Promise<EncodedState> {
  const sink = await gzipSink();
  const hash = new TextHash();
  const pacer = new Pacer();
  const parts = jsonParts(state, plainOnly);
  let rawBytes = 0;
  let pending: string[] = [];
  let pendingLength = 0;
  // Small parts are gathered into one text of ~64K characters: encoding, hashing and compressing go by the piece.
  const flush = async (): Promise<void> => {
    const text = pending.join('');
    pending = [];
    pendingLength = 0;
    const bytes = utf8.encode(text);
    if (!hash.asciiBytes(bytes)) hash.text(text); // the same hash, twice as fast on ASCII bytes
    rawBytes += bytes.length;
    await feed(sink, bytes, pacer);
  };
  for (;;) {
    let next: IteratorResult<string>;
    try {
      next = parts.next();
    } catch (error) {
      sink.abort();
      throw notPlainData(state, error);
    }
    if (next.done) break;
    pending.push(next.value);
    pendingLength += next.value.length;
    if (pendingLength >= 65_536) await flush();
  }
  await flush();
  return { bytes: await sink.close(), rawBytes, hash: hash.digest() };
}

/** encodeState of a value already turned into JSON (e.g. journal records for a remote segment). */
export async function encodeJson(json: string): Promise<EncodedState> {
  const raw = utf8.encode(json);
  const hash = hashAsciiBytes(raw) ?? hashText(json);
  const sink = await gzipSink();
  await feed(sink, raw, new Pacer());
  return { bytes: await sink.close(), rawBytes: raw.length, hash };
}

/** Yields to the event loop once SNAPSHOT_SLICE_MS have passed since the last yield. */
class Pacer {
  private since = performance.now();

  async pause(): Promise<void> {
    if (performance.now() - this.since < SNAPSHOT_SLICE_MS) return;
    await yieldToOthers();
    this.since = performance.now();
  }
}

/** A gzip compressor fed in pieces. */
interface GzipSink {
  write(bytes: Uint8Array): Promise<void>;
  /** The whole gzip member, once everything written is compressed. */
  close(): Promise<Uint8Array>;
  abort(): void;
}

/** The platform's CompressionStream, else fflate's Gzip at SNAPSHOT_GZIP_LEVEL. */
async function gzipSink(): Promise<GzipSink> {
  if (typeof CompressionStream === 'function') {
    const stream = new CompressionStream('gzip');
    const compressed = readAll(stream.readable.getReader());
    compressed.catch(() => {}); // an aborted sink's
    const writer = stream.writable.getWriter();
    return {
      write: (bytes) => writer.write(bytes as Uint8Array<ArrayBuffer>),
      close: () => writer.close().then(() => compressed),
      abort: () => void writer.abort().catch(() => {}),
    };
  }
  const { Gzip } = await loadFflate();
  const chunks: Uint8Array[] = [];
  const gzip = new Gzip({ level: SNAPSHOT_GZIP_LEVEL }, (chunk) => chunks.push(chunk));
  return {
    write: async (bytes) => gzip.push(bytes),
    close: async () => {
      gzip.push(new Uint8Array(0), true);
      return concat(chunks);
    },
    abort: () => {},
  };
}

/** Writes `bytes` to the sink in SNAPSHOT_SLICE_BYTES pieces, pausing between them when it is time. */
async function feed(sink: GzipSink, bytes: Uint8Array, pacer: Pacer): Promise<void> {
  for (let offset = 0; offset < bytes.length; offset += SNAPSHOT_SLICE_BYTES) {
    await sink.write(bytes.subarray(offset, offset + SNAPSHOT_SLICE_BYTES));
    await pacer.pause();
  }
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
    throw notPlainData(state, error);
  }
}

/** NOT_PLAIN_DATA for a state whose serialisation threw `error` (the replacer's own throw, or JSON.stringify's on a cycle or a BigInt). */
function notPlainData(state: unknown, error: unknown): TidemarkError {
  const bad = findNotPlainData(state) ?? { path: '', found: error instanceof Error ? error.message : String(error) };
  return new TidemarkError(
    'NOT_PLAIN_DATA',
    `The state holds ${bad.found} at ${bad.path || 'its root'}, which JSON does not keep: a snapshot of it would load ` +
      'back different (a Map becomes {}, a hole null, undefined is dropped, -0 becomes 0). No snapshot was written; ' +
      'the journal still holds every commit. Find the reducer that puts it there and make it return plain data ' +
      '(turn on devChecks in defineStore to catch it at that commit).',
    { cause: error === notPlain ? undefined : error, details: { path: bad.path, found: bad.found } },
  );
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
  return typeof DecompressionStream === 'function';
}

/**
 * The snapshot's JSON, checked against its hash but not parsed: by the
 * platform's DecompressionStream (which also checks the gzip CRC) where
 * there is one, else by fflate. The hash is of the text JSON.stringify
 * wrote, so text that matches it parses. `beforeHashCheck` is given the
 * JSON once it is decompressed, before the hash check (~12 ms for 10 MB)
 * ends: a load hands it on so a page can parse it meanwhile.
 * @throws Error saying what is wrong when the bytes do not decompress or do not hash to `hash`.
 */
export async function verifySnapshotJson(bytes: Uint8Array, hash: string, beforeHashCheck?: (json: string) => void): Promise<string> {
  if (!canGunzipNatively()) return verifyState(await loadFflate(), bytes, hash);
  let raw: Uint8Array;
  try {
    raw = await gunzipNatively(bytes);
  } catch (error) {
    throw new Error(`its bytes do not decompress (${(error as Error).message})`);
  }
  const json = fromUtf8.decode(raw);
  beforeHashCheck?.(json);
  if ((hashAsciiBytes(raw) ?? hashText(json)) !== hash) throw new Error('its hash does not match its contents');
  return json;
}

/**
 * Gunzips with DecompressionStream: the bytes written into it straight, not
 * read out of a Blob (~5 ms less for a 10 MB state in Chromium), and read
 * chunk by chunk. Not through
 * `new Response(stream).arrayBuffer()`: Firefox logs a console error for a
 * Response body that fails to decompress even when the rejection is handled,
 * so every damaged snapshot, already reported in the load report, would also
 * show up as an error in the app's console.
 */
function gunzipNatively(bytes: Uint8Array): Promise<Uint8Array> {
  const gunzip = new DecompressionStream('gzip');
  const writer = gunzip.writable.getWriter();
  // Failures show on the readable side, which readAll rejects with.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  return readAll(gunzip.readable.getReader());
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
