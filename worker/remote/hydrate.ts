import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { HydrationReport } from '../../src/types.js';
import { commitNow } from '../commit-now.js';
import type { Database } from '../database.js';
import { isEmpty } from '../snapshots.js';
import { isDraftable, rebuildState, type Draft, type LoadedState, type OnDraft } from '../load.js';
import { RemoteFault } from './remote.js';
import { toRemoteError } from './remote-error.js';
import type { JournalRecord, SnapshotRecord } from '../records.js';
import { readSegmentObject, readSnapshotObject, segmentKey, seqOfKey, snapshotKey, type Heads, type SegmentHeader, type SnapshotHeader } from './objects.js';
import { advanceHeads } from './shared-snapshot.js';
import { DOWNLOADS_AT_ONCE, listBucket, listSegmentsAfter, type HeadStart, type Listing } from './head-start.js';
import type { Remote } from './remote.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** What was downloaded and verified, before it is written locally. */
export interface Download {
  snapshot: SnapshotRecord | undefined;
  /** The snapshot's JSON, verified against its hash, not parsed yet. */
  snapshotJson: string | undefined;
  records: JournalRecord[];
  report: HydrationReport;
  /** Sync mode: the Heads at the download's end; undefined when the bucket does not say (backup mode). */
  heads: Heads | undefined;
}

/** Options of `download`. */
export interface DownloadOptions {
  signal?: AbortSignal;
  /** Stop at this seq (a point in the past). @default Infinity (the newest) */
  atSeq?: number;
  /** A listing and downloads already under way (see head-start.ts), used by the first attempt. */
  headStart?: HeadStart;
  /** Given a snapshot's JSON once it is decompressed, before its hash check ends. */
  onSnapshotText?: (json: string, header: SnapshotHeader) => void;
}

/**
 * Downloads the newest remote snapshot that verifies and the gapless
 * segments after it. Damaged snapshots are skipped and reported; a missing
 * or damaged segment before the end is an error, never a shorter state.
 *
 * @returns undefined when the remote holds nothing for this store
 * @throws TidemarkError `JOURNAL_GAP` (a hole in the remote log), `DATA_DAMAGED` (a damaged segment, or every snapshot damaged with no log from seq 1); RemoteFault on network and server errors
 */
export async function download(remote: Remote, def: AnyDefinition, now: () => number, { signal, atSeq = Infinity, headStart, onSnapshotText }: DownloadOptions = {}): Promise<Download | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      // A later attempt lists again: something vanished since the first listing, so its downloads are stale too.
      const started = attempt === 1 ? headStart : undefined;
      const listing = started?.listing ?? listBucket(remote, signal, atSeq);
      const get = (key: string) => started?.downloads.get(key) ?? remote.get(key, signal);
      return await downloadListed(remote, def, now, signal, atSeq, listing, get, attempt === LISTINGS, onSnapshotText);
    } catch (error) {
      if (!(error instanceof Vanished)) throw error;
    }
  }
}

/** Listings a download tries when segments vanish (compacted) between the listing and their GET. */
const LISTINGS = 3;

class Vanished extends Error {}

async function downloadListed(
  remote: Remote,
  def: AnyDefinition,
  now: () => number,
  signal: AbortSignal | undefined,
  atSeq: number,
  listing: Promise<Listing>,
  get: (key: string) => Promise<Uint8Array | undefined>,
  last: boolean,
  onSnapshotText: DownloadOptions['onSnapshotText'],
): Promise<Download | undefined> {
  const started = now();
  const damaged: HydrationReport['damaged'] = [];
  const valid = (keys: string[]) => keys.filter((key) => !Number.isNaN(seqOfKey(key)) && seqOfKey(key) <= atSeq);
  const { snapshots: listedSnapshots, segments: listedSegments, segmentsAfter } = await listing;
  const [snapshotKeys, segmentKeys] = [valid(listedSnapshots), valid(listedSegments)];
  if (remote.mode === 'sync' && atSeq !== Infinity) assertProvable(remote, atSeq, listedSnapshots);
  if (snapshotKeys.length === 0 && segmentKeys.length === 0) return undefined;

  // From the newest snapshot down (and last from seq 0): the snapshot and the
  // segments after it are fetched together, a few at a time, each verified
  // as it arrives while the others download. A fall-back to an older
  // snapshot reuses the segments fetched for the newer one.
  const segments = new Map<string, Promise<Fetched<{ header: SegmentHeader; records: JournalRecord[] }>>>();
  const fetchSegment = (k: string) => {
    if (!segments.has(k)) segments.set(k, fetchAndRead(get, k, (bytes) => readSegmentObject(bytes, k, def.name)));
    return segments.get(k)!;
  };
  for (const key of [...snapshotKeys.reverse(), undefined]) {
    const base = key === undefined ? 0 : seqOfKey(key);
    // A fall-back to a snapshot older than the one the log was listed from lists it again from there.
    const after = (base >= segmentsAfter ? segmentKeys : valid(await listSegmentsAfter(remote, base, signal))).filter((k) => seqOfKey(k) > base);
    const snapshotFetch = key === undefined ? undefined : fetchAndRead(get, key, (bytes) => readSnapshotObject(bytes, key, def.name, onSnapshotText));
    snapshotFetch?.catch(() => {}); // awaited below, unless a segment's download fails first
    const segmentObjects = await inParallel(after, DOWNLOADS_AT_ONCE - (snapshotFetch ? 1 : 0), fetchSegment);
    const snapshotObject = await snapshotFetch;
    if (!last && segmentObjects.some((object) => object === undefined)) throw new Vanished();
    // Sync mode: a snapshot that appears after this point may mean compaction deleted keys of this chain
    // (see below). Nothing deletes them in backup mode, so there the first listing is enough.
    const relisted = remote.mode === 'sync' ? remote.list('snap/', { startAfter: snapshotKey(base) }, signal) : undefined;
    relisted?.catch(() => {}); // awaited below, unless this candidate is given up
    let snapshot: { record: SnapshotRecord; json: string; heads?: Heads } | undefined;
    if (key !== undefined) {
      if (!snapshotObject) continue; // deleted since the listing
      try {
        snapshot = await snapshotObject.read;
      } catch (error) {
        damaged.push({ key, reason: (error as Error).message });
        continue;
      }
    } else if (damaged.length > 0 && after[0] !== segmentKey(1)) {
      throw new TidemarkError(
        'DATA_DAMAGED',
        `Every remote snapshot of store "${def.name}" at ${remote.target} is damaged or not this store's ` +
          `(${damaged.map((d) => `${d.key}: ${d.reason}`).join('; ')}), and the log does not reach back to seq 1.`,
        { details: { damaged } },
      );
    }
    const { records, seq, bytes, heads } = await chain(remote, def, base, after, segmentObjects, atSeq, key === undefined ? {} : snapshot?.heads);
    // A damaged snapshot newer than where the log ends held commits nothing else has: never a shorter state.
    const lost = damaged.filter((d) => seqOfKey(d.key) > seq);
    if (lost.length > 0) {
      throw new TidemarkError(
        'DATA_DAMAGED',
        `The remote snapshot ${remote.target}${lost[0]!.key} of store "${def.name}" is damaged (${lost[0]!.reason}), and the log ` +
          `after the newest good snapshot ends at seq ${seq}, so commits ${seq + 1}–${seqOfKey(lost[0]!.key)} cannot be restored from the bucket. ` +
          "Restore that object from the bucket's versioning, if enabled, or hydrate on a device that still has them.",
        { details: { damaged, restorableThrough: seq } },
      );
    }
    const downloaded = (snapshotObject?.bytes.length ?? 0) + bytes;
    // A snapshot that appeared since the listing may mean compaction deleted keys of this chain, and a
    // lagging device re-created one (an orphan, see shared-log.ts): list again.
    const listed = new Set(listedSnapshots);
    if ((await relisted)?.some((k) => !listed.has(k))) {
      if (!last) throw new Vanished();
      throw new RemoteFault('transient', `LIST ${remote.target}snap/: new snapshots kept appearing during the download`);
    }
    const report: HydrationReport = { snapshotSeq: base, seq, segments: after.length, bytes: downloaded, ms: now() - started, damaged };
    return { snapshot: snapshot?.record, snapshotJson: snapshot?.json, records, report, heads };
  }
  return undefined; // unreachable: the last candidate (seq 0) always returns or throws
}

/**
 * Sync mode: a past point the bucket can prove. Below the newest snapshot,
 * compaction may have deleted segments and a lagging device re-created one
 * (an orphan, see shared-log.ts) that no listing can tell apart; a snapshot
 * itself is proof (a device uploads only a state it verified), and so are
 * the segments after the newest one.
 */
function assertProvable(remote: Remote, atSeq: number, snapshotKeys: readonly string[]): void {
  const seqs = snapshotKeys.map(seqOfKey).filter((seq) => !Number.isNaN(seq));
  const newest = Math.max(0, ...seqs);
  if (atSeq >= newest || seqs.includes(atSeq)) return;
  throw new TidemarkError(
    'HISTORY_OUT_OF_RANGE',
    `In sync mode ${remote.target} proves the shared state at its snapshots (seq ${seqs.join(', ')}) and at every seq from ${newest} on, not at seq ${atSeq}: ` +
      'the log before the newest snapshot may have been compacted. Pick one of those seqs, or rewind() on a device whose history reaches it.',
    { details: { atSeq, snapshots: seqs, from: newest } },
  );
}

/** A downloaded object, with its verification (started as it arrived); undefined when it is gone. */
type Fetched<T> = { bytes: Uint8Array; read: Promise<T> } | undefined;

async function fetchAndRead<T>(get: (key: string) => Promise<Uint8Array | undefined>, key: string, read: (bytes: Uint8Array) => Promise<T>): Promise<Fetched<T>> {
  const bytes = await get(key);
  if (!bytes) return undefined;
  const verified = read(bytes);
  verified.catch(() => {}); // awaited in key order, unless an earlier object fails first
  return { bytes, read: verified };
}

/** The segments after `base`, verified and gapless; a hole or a damaged one throws. */
async function chain(
  remote: Remote,
  def: AnyDefinition,
  base: number,
  keys: readonly string[],
  objects: ReadonlyArray<Fetched<{ header: SegmentHeader; records: JournalRecord[] }>>,
  atSeq: number,
  heads: Heads | undefined,
): Promise<{ records: JournalRecord[]; seq: number; bytes: number; heads: Heads | undefined }> {
  const records: JournalRecord[] = [];
  let seq = base;
  let bytes = 0;
  for (const [i, key] of keys.entries()) {
    const object = objects[i];
    if (key !== segmentKey(seq + 1) || !object) {
      throw new TidemarkError(
        'JOURNAL_GAP',
        `The remote log of store "${def.name}" at ${remote.target} jumps from seq ${seq} to ${key}: ${segmentKey(seq + 1)} is missing ` +
          'and no snapshot covers it, so the state cannot be rebuilt exactly.',
        { details: { after: seq, found: seqOfKey(key) } },
      );
    }
    bytes += object.bytes.length;
    try {
      const segment = await object.read;
      for (const record of segment.records) {
        if (record.seq > atSeq) break;
        // A point inside a record (a group commit): keep its commits up to that point.
        const kept = record.last <= atSeq ? record : { ...record, last: atSeq, commits: record.commits.filter((c) => c.seq <= atSeq) };
        records.push(kept);
        heads = advanceHeads(heads, segment.header.device, kept.commits);
      }
      seq = Math.min(segment.header.last, atSeq);
    } catch (error) {
      throw new TidemarkError(
        'DATA_DAMAGED',
        `The remote segment ${remote.target}${key} is damaged (${(error as Error).message}), so the commits after seq ${seq} cannot be restored. ` +
          "Restore that object from the bucket's versioning, if enabled, or hydrate on a device that still has them.",
        { details: { key } },
      );
    }
  }
  return { records, seq, bytes, heads };
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R> | R): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Most commits in one journal record written by a hydration: records, not bytes, are what IndexedDB charges for. */
const COMMITS_PER_RECORD = 10_000;

/**
 * Writes a download into an empty database in one transaction, with the
 * uploader's cursor (`ifEmpty`: unless the transaction finds it has data;
 * then false): the remote holds all of it, so none of it is uploaded
 * again. Consecutive records of one version are packed into larger ones
 * (the remote keeps its own boundaries; locally only snapshot seqs must be
 * record boundaries, and the snapshot comes before every record).
 */
export async function writeDownload(db: Database, target: string, { snapshot, records, report, heads }: Download, ifEmpty = false): Promise<boolean> {
  const tx = db.transaction(['journal', 'snapshots', 'remote'], 'readwrite', { durability: 'strict' });
  if (ifEmpty) {
    const [journal, snapshots] = await Promise.all([tx.objectStore('journal').count(), tx.objectStore('snapshots').count()]);
    if (journal + snapshots > 0) return tx.done.then(() => false);
  }
  const writes: Promise<unknown>[] = pack(records).map((record) => tx.objectStore('journal').add(record));
  if (snapshot) writes.push(tx.objectStore('snapshots').add(snapshot));
  if (heads) writes.push(tx.objectStore('remote').put({ seq: report.seq, heads }, 'heads'));
  writes.push(tx.objectStore('remote').put({ target, through: report.seq, snapshotSeq: report.snapshotSeq }, 'upload'));
  // Committed now: the rebuild holds the worker's thread for a while, and an auto-commit would wait
  // for it to deliver every request's success event first.
  commitNow(tx);
  await Promise.all([...writes, tx.done]);
  return true;
}

function pack(records: readonly JournalRecord[]): JournalRecord[] {
  const packed: JournalRecord[] = [];
  for (const record of records) {
    const last = packed[packed.length - 1];
    if (last && last.version === record.version && last.commits.length + record.commits.length <= COMMITS_PER_RECORD) {
      last.last = record.last;
      last.commits.push(...record.commits); // a copy of its own (below): the downloaded records are left as they were
    } else {
      packed.push({ ...record, commits: [...record.commits] });
    }
  }
  return packed;
}

/**
 * Waits before each new attempt to download a store whose data the browser
 * lost, after a network fault: a blip while it opens must not turn into
 * DATA_LOST when the bucket holds the data. About 3 s in all, then it gives up.
 */
export const REBUILD_RETRY_MS = [250, 750, 2_000];

/**
 * A new device (or a cleared or wiped database) starts from the remote: the
 * download is written to IndexedDB while the state is rebuilt from it in
 * memory. Offline, it opens empty: the uploader then refuses to mix its
 * commits with the remote's history (REMOTE_CONFLICT) instead of losing either.
 * A store whose data was lost (`dataLost`) tries again a few times first,
 * unless the browser says it is offline. `headStart`: the listing and
 * downloads the caller started when it found the database empty (see
 * head-start.ts), taken up by the first attempt.
 */
export async function hydrateIfEmpty(
  db: Database,
  def: AnyDefinition,
  remote: Remote,
  now: () => number,
  { dataLost = false, headStart, onDraft }: { dataLost?: boolean; headStart?: HeadStart; onDraft?: OnDraft } = {},
): Promise<LoadedState | undefined> {
  if (!(await isEmpty(db))) return undefined;
  for (let attempt = 0; ; attempt++) {
    const started = now();
    try {
      // The pages that wait start parsing a snapshot as soon as it is decompressed (see OnDraft); one that
      // then fails its check is followed by the next one's.
      let sent: Draft | undefined;
      const onSnapshotText = (json: string, header: SnapshotHeader) => {
        if (header.version !== def.version) return;
        sent = { json, commits: [] };
        onDraft!(sent);
      };
      const downloaded = await download(remote, def, now, { ...(attempt === 0 && headStart && { headStart }), ...(onDraft && { onSnapshotText }) });
      if (!downloaded) return undefined;
      // Verified: the commits after the snapshot follow it, so the pages have the state while it is written here.
      const draft = sent && sent.json === downloaded.snapshotJson && isDraftable(def, downloaded.snapshot!, downloaded.records) ? sent : undefined;
      if (draft) {
        draft.commits = downloaded.records.flatMap((record) => record.commits);
        onDraft!(draft);
      }
      const writing = writeDownload(db, remote.target, downloaded);
      writing.catch(() => {}); // awaited below; the rebuild may throw first
      const loaded = rebuildDownload(def, downloaded, started, now, draft !== undefined);
      if (draft) loaded.draft = draft;
      // Else pages are sent the state as JSON: made while the write goes on, rather than after it.
      else loaded.stateJson ??= JSON.stringify(loaded.state);
      await writing;
      loaded.report = { ...loaded.report, source: 'remote', remote: downloaded.report };
      return loaded;
    } catch (error) {
      if (!(error instanceof RemoteFault && error.kind === 'transient')) {
        throw toRemoteError(error, `download store "${def.name}" from ${remote.target}`);
      }
      const offline = (globalThis.navigator as Navigator | undefined)?.onLine === false;
      if (!dataLost || offline || attempt >= REBUILD_RETRY_MS.length) return undefined;
      await new Promise((resolve) => setTimeout(resolve, REBUILD_RETRY_MS[attempt]));
    }
  }
}

/** The state a verified download rebuilds, in memory (see rebuildState); `lazy` as rebuildState's. */
export function rebuildDownload(def: AnyDefinition, downloaded: Download, started: number, now: () => number, lazy = false): LoadedState {
  const { snapshot, snapshotJson } = downloaded;
  return rebuildState(def, snapshot && snapshotJson !== undefined ? { json: snapshotJson, record: snapshot } : undefined, downloaded.records, started, now, lazy);
}
