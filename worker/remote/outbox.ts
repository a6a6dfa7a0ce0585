import { applyEvents } from '../../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import type { CommitRecord, RejectedCommit, StoredEvent } from '../../src/types.js';
import type { IDBPTransaction } from 'idb';
import { commitNow } from '../commit-now.js';
import type { Database, TidemarkSchema } from '../database.js';
import { FellBehind, type CommitRequest } from '../journal.js';
import { commitsAtCurrentVersion } from '../load.js';
import { upcastEvents } from '../migrations.js';
import type { JournalRecord, OutboxEntry } from '../records.js';
import type { SyncResult } from './shared-log.js';

// Sync mode on the device: the journal holds the shared log (global seqs,
// written only by the syncer), and the `outbox` store holds this device's
// commits not in it yet, in order, from every tab. The device's state is the
// shared state with the outbox applied on top; its seq is the shared seq
// plus the outbox's length.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** The shared log's state, and how far the device has it. */
export interface Shared {
  state: unknown;
  seq: number;
}

/** What the device looks like after a read of the journal tail and the outbox (and maybe new commits). */
export interface DeviceOutcome {
  shared: Shared;
  /** Shared commits after the base's seq (pulled or pushed by a syncer, in any tab). */
  sharedCommits: CommitRecord[];
  /** The outbox before this call's commits: every tab's pending commits, in order. */
  pending: OutboxEntry[];
  /** The device state with `pending` applied (a pending commit that no longer applies is left out). */
  state: unknown;
  /** Per request: its device seq, or the error its reducers threw. */
  results: Array<number | Error>;
  /** This call's commits, as device records (seq = shared seq + place in the outbox). */
  written: CommitRecord[];
  /** The device state after `written`. */
  stateAfter: unknown;
}

/**
 * Reads what other tabs did (the journal after `base.seq`, the whole outbox)
 * and appends `batch` to the outbox, in one transaction that also spans the
 * journal, so it orders with the syncer's writes and never runs beside
 * another readwrite transaction on another store. With an empty batch it
 * only reads.
 *
 * @throws FellBehind when the journal no longer reaches back to `base.seq` (another tab trimmed it)
 */
export async function writeOutbox(
  db: Database,
  def: AnyDefinition,
  base: Shared,
  batch: readonly CommitRequest[],
  durability: 'strict' | 'relaxed',
  at: number,
): Promise<DeviceOutcome> {
  const tx = db.transaction(['journal', 'outbox', 'snapshots'], batch.length > 0 ? 'readwrite' : 'readonly', { durability }) as IDBPTransaction<
    TidemarkSchema,
    ['journal', 'outbox', 'snapshots'],
    'readwrite'
  >;
  let shared = base;
  const sharedCommits: CommitRecord[] = [];
  let pending: OutboxEntry[];
  try {
    const [records, entries, newestSnapshot] = await Promise.all([
      tx.objectStore('journal').getAll(IDBKeyRange.lowerBound(base.seq + 1)),
      tx.objectStore('outbox').getAll(),
      tx.objectStore('snapshots').openKeyCursor(null, 'prev'),
    ]);
    // The syncer started over from a newer snapshot (the bucket was compacted past this seq).
    if (records.length === 0 && newestSnapshot && newestSnapshot.key > base.seq) throw new FellBehind(base.seq, newestSnapshot.key);
    let { state, seq } = base;
    for (const record of records) {
      if (record.seq !== seq + 1) throw new FellBehind(seq, record.seq);
      for (const commit of commitsAtCurrentVersion(def, record)) {
        state = applyEvents(def, state, commit.events);
        sharedCommits.push(commit);
      }
      seq = record.last;
    }
    shared = { state, seq };
    pending = entries;
  } catch (error) {
    tx.abort();
    await tx.done.catch(() => {});
    throw error;
  }

  const state = applyPending(def, shared.state, pending);
  let stateAfter = state;
  const written: CommitRecord[] = [];
  const adds: Promise<unknown>[] = [];
  const results = batch.map((request) => {
    try {
      stateAfter = applyEvents(def, stateAfter, request.events);
    } catch (error) {
      return error as Error;
    }
    const seq = shared.seq + pending.length + written.length + 1;
    written.push({ seq, at, events: request.events, origin: request.origin });
    adds.push(tx.objectStore('outbox').add({ origin: request.origin, at, version: def.version, events: request.events }));
    return seq;
  });
  if (adds.length > 0) commitNow(tx);
  await Promise.all([...adds, tx.done]);
  return { shared, sharedCommits, pending, state, results, written, stateAfter };
}

/** The shared state with the pending commits on top; one that throws is left out (the syncer will reject it). */
export function applyPending(def: AnyDefinition, shared: unknown, pending: readonly OutboxEntry[]): unknown {
  let state = shared;
  for (const entry of pending) {
    try {
      state = applyEvents(def, state, eventsOf(def, entry));
    } catch {
      // shown without it; the next sync reports it as rejected
    }
  }
  return state;
}

/** An outbox entry's events at the current version. */
export function eventsOf(def: AnyDefinition, entry: OutboxEntry): StoredEvent[] {
  return entry.version === def.version ? entry.events : upcastEvents(def, entry.events, entry.version);
}

/**
 * When the device's commit sequence after a read still begins with the one
 * before (the new shared commits and the outbox continue it), the commits
 * added at its end, as device records; undefined when it was rewritten (a
 * rebase put other devices' commits before this device's, or dropped one):
 * the pages must then start over from the new state.
 */
export function appendedSince(before: { seq: number; pendingOrigins: readonly string[] }, outcome: DeviceOutcome): CommitRecord[] | undefined {
  const sequence: Array<{ origin: string; at: number; events: StoredEvent[] }> = [
    ...outcome.sharedCommits,
    ...outcome.pending.map((entry) => ({ origin: entry.origin, at: entry.at, events: entry.events })),
  ];
  const sharedBefore = before.seq - before.pendingOrigins.length;
  if (outcome.shared.seq - outcome.sharedCommits.length !== sharedBefore) return undefined;
  for (let i = 0; i < before.pendingOrigins.length; i++) {
    if (sequence[i]?.origin !== before.pendingOrigins[i]) return undefined;
  }
  return sequence.slice(before.pendingOrigins.length).map((commit, i) => ({
    seq: before.seq + i + 1,
    at: commit.at,
    events: commit.events,
    origin: commit.origin,
  }));
}

/** Most rejections kept for the page to see. */
export const REJECTIONS_KEPT = 100;

/**
 * Writes what a sync did, in one transaction: the shared commits it added
 * (appended to the journal, which only the syncer writes in sync mode; after
 * the snapshot it started over from, if any, which replaces the journal),
 * the outbox entries now in the log or rejected (deleted), the rejections,
 * and the Heads.
 */
export async function writeSyncResult(db: Database, version: number, result: SyncResult): Promise<RejectedCommit[]> {
  const tx = db.transaction(['journal', 'snapshots', 'outbox', 'remote'], 'readwrite', { durability: 'strict' });
  const done = new Set([...result.confirmed, ...result.rejected.map((r) => r.commit.origin)]);
  const journal = tx.objectStore('journal');
  const writes: Promise<unknown>[] = [];
  if (result.snapshot) {
    // The bucket no longer has the log between this device's seq and the snapshot: the journal restarts there.
    writes.push(journal.clear(), tx.objectStore('snapshots').put(result.snapshot.record));
  }
  const { heads, seq } = result.device;
  if (heads) writes.push(tx.objectStore('remote').put({ seq, heads }, 'heads'));
  for (const record of toRecords(result.applied, version)) writes.push(journal.add(record));
  let cursor = await tx.objectStore('outbox').openCursor();
  while (cursor) {
    if (done.has(cursor.value.origin)) writes.push(cursor.delete());
    cursor = await cursor.continue();
  }
  const kept = (await tx.objectStore('remote').get('rejected')) as { rejected: RejectedCommit[] } | undefined;
  const rejected = [
    ...(kept?.rejected ?? []),
    ...result.rejected.map(({ commit, error }) => ({ origin: commit.origin, at: commit.at, events: commit.events, error: { code: error.code, message: error.message } })),
  ].slice(-REJECTIONS_KEPT);
  if (result.rejected.length > 0) writes.push(tx.objectStore('remote').put({ rejected }, 'rejected'));
  await Promise.all([...writes, tx.done]);
  return rejected;
}

/** Commits in seq order (at the current version) as journal records of at most 10 000 commits. */
function toRecords(commits: readonly CommitRecord[], version: number): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (let i = 0; i < commits.length; i += 10_000) {
    const part = commits.slice(i, i + 10_000);
    records.push({ seq: part[0]!.seq, last: part[part.length - 1]!.seq, version, commits: part });
  }
  return records;
}
