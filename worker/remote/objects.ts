import type { JournalRecord, SnapshotRecord } from '../records.js';
import { encodeJson, verifySnapshotJson } from '../snapshot-codec.js';
import { segmentKey, snapshotKey } from './keys.js';

// The objects tidemark writes to a remote, under the store's prefix:
//   snap/<seq, 20 digits>   the state after commit seq: the local snapshot's gzip JSON
//   log/<first, 20 digits>  a segment: whole journal records first..last, gzip JSON
// Each object is  "TMK1" | header length (u32, big-endian) | header JSON | payload,
// where the header names the store and the range and holds the hash of the
// payload's JSON, checked on every read.

const MAGIC = 'TMK1';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
/** Format of the objects; a reader refuses a newer one. */
export const REMOTE_FORMAT = 1;

export interface SnapshotHeader {
  type: 'snapshot';
  format: number;
  store: string;
  seq: number;
  at: number;
  kind: SnapshotRecord['kind'];
  version: number;
  hash: string;
  rawBytes: number;
  /** Sync mode: for each device, the last of its commits in the state (see Heads). */
  heads?: Heads;
}

/**
 * Sync mode: for each device (its `device` id in segment headers), the
 * origin of its last commit in the shared log through some seq. A device's
 * commits enter the log in its outbox order, so a device that finds its id
 * here knows which of its pending commits a snapshot holds, even when the
 * segments that carried them were compacted away.
 */
export type Heads = Record<string, string>;

export interface SegmentHeader {
  type: 'segment';
  format: number;
  store: string;
  first: number;
  last: number;
  /** Journal records in the segment. */
  records: number;
  hash: string;
  rawBytes: number;
  /** Sync mode: the id of the push that wrote it, so a device whose answer was lost knows its own segment. */
  batch?: string;
  /** Sync mode: the device that pushed it (the key of its entry in Heads). */
  device?: string;
}

export { segmentKey, seqOfKey, snapshotKey } from './keys.js';

/** A local snapshot as a remote object: same bytes, same hash. */
export function snapshotObject(store: string, record: SnapshotRecord, heads?: Heads): Uint8Array {
  const { seq, at, kind, version, hash, rawBytes } = record;
  return frame({ type: 'snapshot', format: REMOTE_FORMAT, store, seq, at, kind, version, hash, rawBytes, ...(heads && { heads }) }, record.bytes);
}

/** Whole journal records as one segment object. */
export async function segmentObject(store: string, records: readonly JournalRecord[], json?: string, batch?: string, device?: string): Promise<Uint8Array> {
  const encoded = await encodeJson(json ?? JSON.stringify(records));
  const header: SegmentHeader = {
    type: 'segment',
    format: REMOTE_FORMAT,
    store,
    first: records[0]!.seq,
    last: records[records.length - 1]!.last,
    records: records.length,
    hash: encoded.hash,
    rawBytes: encoded.rawBytes,
    ...(batch !== undefined && { batch }),
    ...(device !== undefined && { device }),
  };
  return frame(header, encoded.bytes);
}

/**
 * Reads and verifies a `snap/` object; `beforeHashCheck` is given its JSON
 * once it is decompressed, before the hash check ends (see verifySnapshotJson).
 * @throws Error saying what is wrong: not a tidemark object, another store, a header that does not match its key, bad gzip, wrong hash
 */
export async function readSnapshotObject(
  bytes: Uint8Array,
  key: string,
  store: string,
  beforeHashCheck?: (json: string, header: SnapshotHeader) => void,
): Promise<{ record: SnapshotRecord; json: string; heads?: Heads }> {
  const { header, payload } = unframe(bytes);
  if (header.type !== 'snapshot' || header.store !== store || snapshotKey(header.seq) !== key) {
    throw new Error(`it is not snapshot ${key} of store "${store}"`);
  }
  const json = await verifySnapshotJson(payload, header.hash, beforeHashCheck && ((text) => beforeHashCheck(text, header)));
  const { seq, at, kind, version, hash, rawBytes, heads } = header;
  return { record: { seq, at, kind, version, codec: 'json+gzip', bytes: payload, rawBytes, hash }, json, ...(heads && { heads }) };
}

/**
 * Reads and verifies a `log/` object: its records, gapless from `first` to `last`.
 * @throws Error saying what is wrong, as readSnapshotObject
 */
export async function readSegmentObject(bytes: Uint8Array, key: string, store: string): Promise<{ header: SegmentHeader; records: JournalRecord[] }> {
  const { header, payload } = unframe(bytes);
  if (header.type !== 'segment' || header.store !== store || segmentKey(header.first) !== key) {
    throw new Error(`it is not segment ${key} of store "${store}"`);
  }
  const records = JSON.parse(await verifySnapshotJson(payload, header.hash)) as JournalRecord[];
  let seq = header.first - 1;
  for (const record of records) {
    if (record.seq !== seq + 1) throw new Error(`its records jump from seq ${seq} to ${record.seq}`);
    seq = record.last;
  }
  if (seq !== header.last || records.length !== header.records) throw new Error(`its records end at seq ${seq}, not ${header.last}`);
  return { header, records };
}

function frame(header: SnapshotHeader | SegmentHeader, payload: Uint8Array): Uint8Array {
  const head = utf8.encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + head.length + payload.length);
  bytes.set(utf8.encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, head.length);
  bytes.set(head, 8);
  bytes.set(payload, 8 + head.length);
  return bytes;
}

function unframe(bytes: Uint8Array): { header: SnapshotHeader | SegmentHeader; payload: Uint8Array } {
  if (bytes.length < 8 || fromUtf8.decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('it is not a tidemark object');
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
  let header: SnapshotHeader | SegmentHeader;
  try {
    header = JSON.parse(fromUtf8.decode(bytes.subarray(8, 8 + length)));
  } catch {
    throw new Error('its header is damaged');
  }
  if (typeof header.format !== 'number' || header.format > REMOTE_FORMAT) {
    throw new Error(`it was written in remote format ${header.format}; this tidemark reads up to ${REMOTE_FORMAT}. Update tidemark`);
  }
  return { header, payload: bytes.subarray(8 + length) };
}

/** The header of a remote object, unverified; undefined when it is not one. */
export function readHeader(bytes: Uint8Array): SnapshotHeader | SegmentHeader | undefined {
  try {
    return unframe(bytes).header;
  } catch {
    return undefined;
  }
}
