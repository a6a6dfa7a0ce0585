import { seqOfKey } from './objects.js';
import type { Remote } from './remote.js';
import { releaseLease, takeLease } from './lease.js';

// Compaction of the shared log: keep the newest `keepSnapshots` snapshots,
// delete the older ones, then the segments at keys up to the oldest kept
// snapshot (a new or lagging device starts from a snapshot, never reads
// them). The rule readers rely on (see shared-log.ts): log/<k> is deleted
// only while a snapshot at seq ≥ k is in the bucket, and the newest
// snapshot is never deleted. Both hold whoever runs this, however stale its
// listing: the lease only spares repeated work.

/** What a compaction pass did. */
export interface CompactionResult {
  /** False when another device held the lease: nothing was done. */
  ran: boolean;
  /** Segments at keys up to this seq may be gone (the oldest snapshot kept). */
  floor: number;
  snapshotsDeleted: number;
  segmentsDeleted: number;
}

export interface CompactionOptions {
  /** Snapshots kept, newest first; at least 1. */
  keepSnapshots: number;
  /** The lease's term: the pass stops when it is over. */
  leaseMs: number;
  /** This device's id, in the lease. */
  holder: string;
  now: () => number;
}

/**
 * One compaction pass, under the lease.
 * @throws RemoteFault on network and server errors (what was deleted stays deleted; the next pass goes on)
 */
export async function compact(remote: Remote, options: CompactionOptions, signal?: AbortSignal): Promise<CompactionResult> {
  const { keepSnapshots, leaseMs, holder, now } = options;
  const until = await takeLease(remote, holder, leaseMs, now, signal);
  if (until === undefined) return { ran: false, floor: 0, snapshotsDeleted: 0, segmentsDeleted: 0 };
  const result: CompactionResult = { ran: true, floor: 0, snapshotsDeleted: 0, segmentsDeleted: 0 };
  try {
    const snapshots = (await remote.list('snap/', {}, signal)).filter((key) => !Number.isNaN(seqOfKey(key)));
    const kept = snapshots.slice(-Math.max(1, keepSnapshots));
    if (kept.length === 0) return result;
    result.floor = seqOfKey(kept[0]!);
    // Old snapshots first: none is left below the floor to chain orphans from.
    for (const key of snapshots.slice(0, snapshots.length - kept.length)) {
      if (now() >= until) return result;
      await remote.delete(key, signal);
      result.snapshotsDeleted++;
    }
    for (const key of await remote.list('log/', {}, signal)) {
      if (!(seqOfKey(key) <= result.floor) || now() >= until) break; // ascending: the rest are newer
      await remote.delete(key, signal);
      result.segmentsDeleted++;
    }
    return result;
  } finally {
    await releaseLease(remote, holder, signal).catch(() => {}); // its term ends anyway
  }
}
