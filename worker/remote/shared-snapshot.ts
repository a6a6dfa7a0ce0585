import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { CommitRecord } from '../../src/types.js';
import { rebuildState, stateOfLoaded } from '../load.js';
import type { SnapshotRecord } from '../records.js';
import { encodeState } from '../snapshot-codec.js';
import { readHeader, readSnapshotObject, seqOfKey, snapshotKey, snapshotObject, type Heads } from './objects.js';
import type { Remote } from './remote.js';

// Sync mode's snapshots: the shared state at a seq that ends a segment, with
// the Heads there. They are what a device far behind (or new) starts from
// once compaction deleted the segments before them.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** A verified shared snapshot, ready to continue from. */
export interface SharedSnapshot {
  seq: number;
  state: unknown;
  heads: Heads;
  /** As it goes into the device's `snapshots` store. */
  record: SnapshotRecord;
}

/** Heads after `commits` were appended by `device` (a segment without a device id changes nothing). */
export function advanceHeads(heads: Heads | undefined, device: string | undefined, commits: readonly Pick<CommitRecord, 'origin'>[]): Heads | undefined {
  const last = commits[commits.length - 1];
  if (!heads || device === undefined || !last) return heads;
  return { ...heads, [device]: last.origin };
}

/**
 * Splits this device's pending commits (oldest first) into those a snapshot
 * holds and the rest. Sound because a push always carries every pending
 * commit (in order, minus rejected ones, which leave `pending` for good): so
 * when the snapshot holds commit L of this device, it holds every pending
 * commit before L too, and none after.
 */
export function splitByHeads<T extends { origin: string }>(pending: readonly T[], heads: Heads, device: string): { held: T[]; rest: T[] } {
  const last = heads[device];
  const end = last === undefined ? -1 : pending.findIndex((commit) => commit.origin === last);
  return { held: pending.slice(0, end + 1), rest: pending.slice(end + 1) };
}

/** Reads of a listing whose newest snapshots vanish (deleted by retention meanwhile) before giving up. */
const LISTINGS = 3;

/**
 * The newest shared snapshot after seq `after` that verifies, or undefined
 * when the bucket has none after it.
 *
 * @throws TidemarkError `DATA_DAMAGED` when snapshots after `after` exist and none verifies; RemoteFault on network errors
 */
export async function newestSnapshotAfter(remote: Remote, def: AnyDefinition, after: number, signal?: AbortSignal): Promise<SharedSnapshot | undefined> {
  const damaged: string[] = [];
  for (let listing = 0; listing < LISTINGS; listing++) {
    const keys = (await remote.list('snap/', { startAfter: snapshotKey(after) }, signal)).filter((key) => seqOfKey(key) > after);
    if (keys.length === 0) return undefined;
    for (const key of keys.reverse()) {
      const bytes = await remote.get(key, signal);
      if (!bytes) continue; // retention deleted it since the listing: a newer one exists
      try {
        const { record, json, heads } = await readSnapshotObject(bytes, key, def.name);
        if (!heads) throw new Error('it was written by a device in backup mode, without heads');
        const loaded = rebuildState(def, { json, record }, [], 0, () => 0);
        return { seq: record.seq, state: stateOfLoaded(def, loaded), heads, record };
      } catch (error) {
        if (error instanceof TidemarkError) throw error; // a version this code cannot read
        damaged.push(`${key}: ${(error as Error).message}`);
      }
    }
    if (damaged.length > 0) break;
  }
  throw new TidemarkError(
    'DATA_DAMAGED',
    `No shared snapshot after seq ${after} in ${remote.target} verifies (${damaged.join('; ') || 'they vanished while being read'}), ` +
      'and this device cannot trust the log before the newest one. Restore the objects from the bucket\'s versioning, if enabled.',
    { details: { after, damaged } },
  );
}

/**
 * Uploads the shared state at `seq` (which must end a segment) with its
 * Heads. Every device computes the same state and Heads at a seq, so two
 * devices uploading one snapshot write the same hash: the second finds it.
 *
 * @returns true when this call created it
 * @throws TidemarkError `REMOTE_CONFLICT` when the bucket holds another state for that seq (a non-deterministic reducer)
 */
export async function uploadSharedSnapshot(
  remote: Remote,
  def: AnyDefinition,
  shared: { seq: number; state: unknown; heads: Heads },
  at: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const encoded = await encodeState(shared.state);
  const record: SnapshotRecord = { seq: shared.seq, at, kind: 'periodic', version: def.version, codec: 'json+gzip', ...encoded };
  const key = snapshotKey(shared.seq);
  if (await remote.create(key, snapshotObject(def.name, record, shared.heads), signal)) return true;
  const there = await remote.get(key, signal);
  if (there && readHeader(there)?.hash !== record.hash) {
    throw new TidemarkError(
      'REMOTE_CONFLICT',
      `The shared log's snapshot ${remote.target}${key} holds another state than this device computed for seq ${shared.seq}: ` +
        'a reducer is not deterministic (or the devices run different versions of it). Run store.verify() to find it.',
      { details: { key } },
    );
  }
  return false;
}
