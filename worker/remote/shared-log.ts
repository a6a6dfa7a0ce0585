import { applyEvents } from '../../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { CommitRecord, StoredEvent } from '../../src/types.js';
import { commitsAtCurrentVersion } from '../load.js';
import type { JournalRecord } from '../records.js';
import { readSegmentObject, segmentKey, segmentObject } from './objects.js';
import type { Remote } from './remote.js';

// Sync mode's sequencer: every device appends to one log in the bucket, at
// `log/<next global seq>`, created with If-None-Match: exactly one device
// wins a position. A loser pulls what it missed, re-applies its own commits
// on top (rebase) and tries the next position. The bucket is to devices what
// the IndexedDB commit transaction is to tabs.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** A commit made on this device and not in the shared log yet. */
export interface PendingCommit {
  /** Unique across devices (`<device>:<n>`): how a device recognises its own commits in the log. */
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
}

/** A pending commit that no longer applies on the shared log, and why. */
export interface Rejection {
  commit: PendingCommit;
  error: TidemarkError;
}

/** What one sync did. */
export interface SyncResult {
  device: DeviceLog;
  /** Commits added to the shared state, in log order (other devices' and this one's). */
  applied: CommitRecord[];
  /** This device's commits now in the log, with their global seqs. */
  confirmed: CommitRecord[];
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
 * Pulls the log after `device.seq`, rebases the pending commits on it, then
 * pushes them as one segment at the next position (tagged with `batch`).
 * Returns with `done: false` when another device took that position first:
 * call again (it pulls what that device wrote).
 *
 * Rules: a pulled commit whose origin is one of this device's pending
 * commits is this device's (a push whose answer was lost, however late it
 * landed): confirmed, never applied twice. A pending commit whose reducer
 * throws on the new base is rejected, never dropped silently: safe, because
 * a rebase happens only after other devices took the positions an earlier
 * push of it could have landed on. The pushed segment's seqs follow the
 * pulled log with no gap, and keep this device's order.
 *
 * @throws TidemarkError `DATA_DAMAGED` for a segment that does not verify; RemoteFault on network or server
 * errors while pulling (nothing is decided then). A failed push is returned as `fault` instead.
 */
export async function syncOnce(remote: Remote, def: AnyDefinition, start: DeviceLog, batch: string, signal?: AbortSignal): Promise<SyncResult> {
  const applied: CommitRecord[] = [];
  const confirmed: CommitRecord[] = [];
  let { seq, state, pending } = start;
  const mine = new Set(pending.map((commit) => commit.origin));
  let foreign = false;

  // Pull: every segment after seq, in order, until the next position is free.
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
      for (const commit of commitsAtCurrentVersion(def, record)) {
        state = applyEvents(def, state, commit.events);
        applied.push(commit);
        if (mine.has(commit.origin)) confirmed.push(commit);
        else foreign = true;
      }
    }
    seq = segment.header.last;
  }
  if (confirmed.length > 0) {
    const inLog = new Set(confirmed.map((commit) => commit.origin));
    pending = pending.filter((commit) => !inLog.has(commit.origin));
  }

  // Rebase: this device's commits on top of what others wrote; one that throws is rejected.
  const rejected: Rejection[] = [];
  if (foreign) {
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
  if (pending.length === 0) return { device: { seq, state, pending }, applied, confirmed, rejected, done: true };

  // Push: all pending commits as one segment at the next position.
  const commits = pending.map((commit, i) => ({ seq: seq + 1 + i, at: commit.at, events: commit.events, origin: commit.origin }));
  const record: JournalRecord = { seq: seq + 1, last: seq + commits.length, version: def.version, commits };
  let won: boolean;
  try {
    won = await remote.create(segmentKey(seq + 1), await segmentObject(def.name, [record], undefined, batch), signal);
  } catch (fault) {
    // It may have landed. The rejections above shaped it, so they stand: a rejected commit pushed later would be out of order.
    return { device: { seq, state, pending }, applied, confirmed, rejected, done: false, fault };
  }
  if (!won) return { device: { seq, state, pending }, applied, confirmed, rejected, done: false };
  for (const commit of commits) state = applyEvents(def, state, commit.events);
  return { device: { seq: record.last, state, pending: [] }, applied: [...applied, ...commits], confirmed: [...confirmed, ...commits], rejected, done: true };
}
