import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { HydrationReport } from '../../src/types.js';
import type { Database } from '../database.js';
import type { JournalRecord, SnapshotRecord } from '../records.js';
import { readSegmentObject, readSnapshotObject, segmentKey, seqOfKey } from './objects.js';
import type { Remote } from './remote.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** What was downloaded and verified, before it is written locally. */
export interface Download {
  snapshot: SnapshotRecord | undefined;
  /** The snapshot's JSON, verified against its hash, not parsed yet. */
  snapshotJson: string | undefined;
  records: JournalRecord[];
  report: HydrationReport;
}

/** True when the store's database holds no commit and no snapshot: a new device, cleared or wiped. */
export async function isEmpty(db: Database): Promise<boolean> {
  const tx = db.transaction(['journal', 'snapshots'], 'readonly');
  const [records, snapshots] = await Promise.all([tx.objectStore('journal').count(), tx.objectStore('snapshots').count(), tx.done]);
  return records === 0 && snapshots === 0;
}

/**
 * Downloads the newest remote snapshot that verifies and the gapless
 * segments after it. Damaged snapshots are skipped and reported; a missing
 * or damaged segment before the end is an error, never a shorter state.
 *
 * @returns undefined when the remote holds nothing for this store
 * @throws TidemarkError `JOURNAL_GAP` (a hole in the remote log), `DATA_DAMAGED` (a damaged segment, or every snapshot damaged with no log from seq 1); RemoteFault on network and server errors
 */
export async function download(remote: Remote, def: AnyDefinition, now: () => number, signal?: AbortSignal): Promise<Download | undefined> {
  const started = now();
  const damaged: HydrationReport['damaged'] = [];
  let bytes = 0;
  let snapshot: SnapshotRecord | undefined;
  let snapshotJson: string | undefined;

  const snapshotKeys = (await remote.list('snap/', {}, signal)).filter((key) => !Number.isNaN(seqOfKey(key)));
  for (const key of snapshotKeys.reverse()) {
    const object = await remote.get(key, signal);
    if (!object) continue; // deleted since the listing
    bytes += object.length;
    try {
      ({ record: snapshot, json: snapshotJson } = await readSnapshotObject(object, key, def.name));
      break;
    } catch (error) {
      damaged.push({ key, reason: (error as Error).message });
    }
  }

  const records: JournalRecord[] = [];
  let seq = snapshot?.seq ?? 0;
  let segments = 0;
  for (;;) {
    const key = segmentKey(seq + 1);
    const object = await remote.get(key, signal);
    if (!object) break;
    bytes += object.length;
    try {
      const segment = await readSegmentObject(object, key, def.name);
      records.push(...segment.records);
      seq = segment.header.last;
      segments++;
    } catch (error) {
      throw new TidemarkError(
        'DATA_DAMAGED',
        `The remote segment ${remote.target}${key} is damaged (${(error as Error).message}), so the commits after seq ${seq} cannot be restored. ` +
          'Restore that object from the bucket\'s versioning, if enabled, or hydrate on a device that still has them.',
        { details: { key } },
      );
    }
  }

  if (!snapshot && damaged.length > 0 && records.length === 0) {
    throw new TidemarkError(
      'DATA_DAMAGED',
      `Every remote snapshot of store "${def.name}" at ${remote.target} is damaged or not this store's ` +
        `(${damaged.map((d) => `${d.key}: ${d.reason}`).join('; ')}), and the log does not reach back to seq 1.`,
      { details: { damaged } },
    );
  }
  const later = await remote.list('log/', { startAfter: segmentKey(seq + 1), limit: 1 }, signal);
  if (later.length > 0) {
    throw new TidemarkError(
      'JOURNAL_GAP',
      `The remote log of store "${def.name}" at ${remote.target} jumps from seq ${seq} to ${later[0]}: log/…${seq + 1} is missing and no snapshot covers it, so the state cannot be rebuilt exactly.`,
      { details: { after: seq, found: seqOfKey(later[0]!) } },
    );
  }
  if (!snapshot && records.length === 0) return undefined;
  if (!snapshot && records[0]!.seq !== 1) {
    throw new TidemarkError('JOURNAL_GAP', `The remote log of store "${def.name}" starts at seq ${records[0]!.seq} and no remote snapshot covers the commits before it.`, {
      details: { after: 0, found: records[0]!.seq },
    });
  }
  const report: HydrationReport = { snapshotSeq: snapshot?.seq ?? 0, seq, segments, bytes, ms: now() - started, damaged };
  return { snapshot, snapshotJson, records, report };
}

/** Most commits in one journal record written by a hydration: records, not bytes, are what IndexedDB charges for. */
const COMMITS_PER_RECORD = 10_000;

/**
 * Writes a download into an empty database in one transaction, with the
 * uploader's cursor: the remote holds all of it, so none of it is uploaded
 * again. Consecutive records of one version are packed into larger ones
 * (the remote keeps its own boundaries; locally only snapshot seqs must be
 * record boundaries, and the snapshot comes before every record).
 */
export async function writeDownload(db: Database, target: string, { snapshot, records, report }: Download): Promise<void> {
  const tx = db.transaction(['journal', 'snapshots', 'remote'], 'readwrite', { durability: 'strict' });
  const writes: Promise<unknown>[] = pack(records).map((record) => tx.objectStore('journal').add(record));
  if (snapshot) writes.push(tx.objectStore('snapshots').add(snapshot));
  writes.push(tx.objectStore('remote').put({ target, through: report.seq, snapshotSeq: report.snapshotSeq }, 'upload'));
  await Promise.all([...writes, tx.done]);
}

function pack(records: readonly JournalRecord[]): JournalRecord[] {
  const packed: JournalRecord[] = [];
  for (const record of records) {
    const last = packed[packed.length - 1];
    if (last && last.version === record.version && last.commits.length + record.commits.length <= COMMITS_PER_RECORD) {
      packed[packed.length - 1] = { ...last, last: record.last, commits: [...last.commits, ...record.commits] };
    } else {
      packed.push(record);
    }
  }
  return packed;
}
