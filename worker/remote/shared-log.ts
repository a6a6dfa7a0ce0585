import { applyEvents } from '../../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { CommitRecord, StoredEvent } from '../../src/types.js';
import { commitsAtCurrentVersion } from '../load.js';
import type { JournalRecord } from '../records.js';
import { readSegmentObject, segmentKey, segmentObject, snapshotKey, type Heads } from './objects.js';
import type { Remote } from './remote.js';
import { advanceHeads, newestSnapshotAfter, splitByHeads, type SharedSnapshot } from './shared-snapshot.js';

// Sync mode's sequencer: every device appends to one log in the bucket, at
// `log/<next global seq>`, created with If-None-Match: exactly one device
// wins a position. A loser pulls what it missed, re-applies its own commits
// on top (rebase) and tries the next position. The bucket is to devices what
// the IndexedDB commit transaction is to tabs.
//
// Compaction (compaction.ts) deletes log/<k> only when a snapshot at seq ≥ k
// is in the bucket, and the newest snapshot's seq never goes down (retention
// keeps the newest). So a missing log/<k> is ambiguous only for a device
// behind a snapshot, and a create of log/<k> that wins because compaction
// deleted the key (an orphan, which would fork the log) can only happen to
// such a device. Hence the rule, which needs no clock and holds under lost
// answers and retries: after its GETs and after a winning create, a device
// lists the snapshots after its base, and if there is one, trusts nothing
// it read or wrote at keys up to it; it starts over from the newest snapshot,
// and learns from its Heads which of its own commits it holds. Any orphan
// key lies at or below some snapshot every device then sees, and compaction
// deletes it later. Readers never need the lease.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** A commit made on this device and not in the shared log yet. */
export interface PendingCommit {
  /** Unique across devices (`<page>:<n>`): how a device recognises its own commits in the log. */
  origin: string;
  at: number;
  events: StoredEvent[];
}

/** A device, as the sequencer sees it: the shared log it has, and its own commits on top. */
export interface DeviceLog {
  /** The shared log's last seq this device has applied. */
  seq: number;
  /** The state after the shared log through `seq`. */
  state: unknown;
  /** This device's commits not in the shared log, oldest first. */
  pending: PendingCommit[];
  /** The Heads at `seq`; undefined when unknown (then this device uploads no snapshot). */
  heads: Heads | undefined;
}

/** Who pushes: the device's id (its key in Heads) and this push's batch id. */
export interface Pusher {
  device: string;
  batch: string;
}

/** A pending commit that no longer applies on the shared log, and why. */
export interface Rejection {
  commit: PendingCommit;
  error: TidemarkError;
}

/** What one sync did. */
export interface SyncResult {
  device: DeviceLog;
  /**
   * Set when the device started over from this snapshot (it was behind one):
   * the device's shared log now begins there, and `applied` follows it.
   */
  snapshot?: SharedSnapshot;
  /** Commits added to the shared state, in log order (other devices' and this one's), after `snapshot` if any. */
  applied: CommitRecord[];
  /** Origins of this device's commits now in the log. */
  confirmed: string[];
  /** This device's commits that no longer apply after a rebase; removed from `pending`. */
  rejected: Rejection[];
  /** True when nothing is left to push: every pending commit is in the log (or was rejected). */
  done: boolean;
  /**
   * Why the push failed, when it did on the network or the server. `device`
   * and `rejected` still hold (the push may have landed with exactly those
   * commits): adopt them, then sync again later.
   */
  fault?: unknown;
}

/**
 * Pulls the log after `device.seq` (starting over from the newest snapshot
 * when there is one after it), rebases the pending commits on it, then
 * pushes them as one segment at the next position. Returns with `done:
 * false` when another device took that position first, or when a snapshot
 * appeared past this device's base as it pushed (its win may be an orphan):
 * call again.
 *
 * Rules: a pulled commit whose origin is one of this device's pending
 * commits is this device's (a push whose answer was lost, however late it
 * landed): confirmed, never applied twice; after a snapshot, its Heads say
 * the same. A pending commit whose reducer throws on the new base is
 * rejected, never dropped silently: safe, because a rebase happens only
 * after other devices took the positions an earlier push of it could have
 * landed on. The pushed segment's seqs follow the pulled log with no gap,
 * and keep this device's order.
 *
 * @throws TidemarkError `DATA_DAMAGED` for a segment or snapshots that do not verify; RemoteFault on network or server
 * errors while pulling (nothing is decided then). A failed push is returned as `fault` instead.
 */
export async function syncOnce(remote: Remote, def: AnyDefinition, start: DeviceLog, pusher: Pusher, signal?: AbortSignal): Promise<SyncResult> {
  const pulled = await pull(remote, def, start, pusher.device, signal);
  let { seq, state, pending, heads } = pulled.device;
  const { applied, confirmed, snapshot } = pulled;
  const outcome = (done: boolean, fault?: unknown): SyncResult => ({
    device: { seq, state, pending, heads },
    ...(snapshot && { snapshot }),
    applied,
    confirmed,
    rejected,
    done,
    ...(fault !== undefined && { fault }),
  });

  // Rebase: this device's commits on top of what others wrote; one that throws is rejected.
  const rejected: Rejection[] = [];
  if (pulled.foreign) {
    let base = state;
    pending = pending.filter((commit) => {
      try {
        base = applyEvents(def, base, commit.events);
        return true;
      } catch (error) {
        rejected.push({ commit, error: error as TidemarkError });
        return false;
      }
    });
  }
  if (pending.length === 0) return outcome(true);

  // Push: all pending commits as one segment at the next position.
  const commits = pending.map((commit, i) => ({ seq: seq + 1 + i, at: commit.at, events: commit.events, origin: commit.origin }));
  const record: JournalRecord = { seq: seq + 1, last: seq + commits.length, version: def.version, commits };
  try {
    const object = await segmentObject(def.name, [record], undefined, pusher.batch, pusher.device);
    if (!(await remote.create(segmentKey(seq + 1), object, signal))) return outcome(false);
    // Won, unless compaction had deleted the key (see the top of this file): then the next pull sorts it out.
    if ((await remote.list('snap/', { startAfter: snapshotKey(seq), limit: 1 }, signal)).length > 0) return outcome(false);
  } catch (fault) {
    // It may have landed. The rejections above shaped it, so they stand: a rejected commit pushed later would be out of order.
    return outcome(false, fault);
  }
  for (const commit of commits) state = applyEvents(def, state, commit.events);
  seq = record.last;
  heads = advanceHeads(heads, pusher.device, commits);
  pending = [];
  applied.push(...commits);
  confirmed.push(...commits.map((commit) => commit.origin));
  return outcome(true);
}

/**
 * Every segment after the device's seq, in order, until the next position is
 * free; then the snapshots after where it started: if there is one, what was
 * read is dropped and the pull starts over from the newest snapshot.
 */
async function pull(remote: Remote, def: AnyDefinition, start: DeviceLog, device: string, signal?: AbortSignal) {
  let { seq, state, pending, heads } = start;
  let applied: CommitRecord[] = [];
  let confirmed: string[] = [];
  let snapshot: SharedSnapshot | undefined;
  let foreign = false;
  for (;;) {
    const base = seq;
    const mine = new Set(pending.map((commit) => commit.origin));
    for (;;) {
      const key = segmentKey(seq + 1);
      const bytes = await remote.get(key, signal);
      if (!bytes) break;
      let segment;
      try {
        segment = await readSegmentObject(bytes, key, def.name);
      } catch (error) {
        throw new TidemarkError('DATA_DAMAGED', `The shared log's segment ${remote.target}${key} is damaged (${(error as Error).message}); no device can sync past it.`, {
          details: { key },
        });
      }
      for (const record of segment.records) {
        const commits = commitsAtCurrentVersion(def, record);
        for (const commit of commits) {
          state = applyEvents(def, state, commit.events);
          applied.push(commit);
          if (mine.has(commit.origin)) confirmed.push(commit.origin);
          else foreign = true;
        }
        heads = advanceHeads(heads, segment.header.device, commits);
      }
      seq = segment.header.last;
    }
    // After the GETs: a snapshot past the base means keys up to it may have been deleted, or re-created as orphans.
    const newer = await newestSnapshotAfter(remote, def, base, signal);
    if (!newer) break;
    const { held, rest } = splitByHeads(start.pending, newer.heads, device);
    ({ seq, state, heads } = newer);
    snapshot = newer;
    pending = rest;
    applied = [];
    confirmed = held.map((commit) => commit.origin);
    foreign = true;
  }
  if (confirmed.length > 0) {
    const inLog = new Set(confirmed);
    pending = pending.filter((commit) => !inLog.has(commit.origin));
  }
  return { device: { seq, state, pending, heads }, applied, confirmed, snapshot, foreign };
}
