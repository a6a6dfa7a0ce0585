import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import type { Database } from '../database.js';
import type { JournalRecord, SnapshotRecord } from '../records.js';
import { replay, snapshotState } from './replay.js';
import { canRebuild, outOfRange, readRetained } from './window.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** A state rebuilt from history. */
export interface PastState {
  seq: number;
  state: unknown;
  /** Commits replayed on top of the snapshot (or the initial state) it started from. */
  commitsReplayed: number;
}

/**
 * The state after commit `seq`: the nearest snapshot at or before it (a
 * snapshot at `seq` itself, rewind safety snapshots included, is used as
 * is), then the journal up to `seq`. Everything is read in one short
 * readonly transaction; the reducers then run in slices that yield to the
 * worker's event loop, so commits are not held up for the whole replay.
 * Never touches the live state.
 *
 * @throws TidemarkError `HISTORY_OUT_OF_RANGE` outside the retained window, `DATA_DAMAGED`.
 */
export async function stateAt(db: Database, def: AnyDefinition, seq: number, what = `stateAt(${seq})`): Promise<PastState> {
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const retained = await readRetained(tx);
  if (!Number.isInteger(seq) || !canRebuild(retained, seq)) {
    await tx.done;
    throw outOfRange(def.name, what, seq, retained);
  }
  const baseSeq = retained.snapshotSeqs.includes(seq)
    ? seq
    : (retained.snapshotSeqs.filter((s) => s >= retained.window.firstSeq && s <= seq).at(-1) ?? 0);
  const [snapshot, records] = await Promise.all([
    baseSeq === 0 ? undefined : tx.objectStore('snapshots').get(baseSeq),
    baseSeq === seq ? ([] as JournalRecord[]) : tx.objectStore('journal').getAll(IDBKeyRange.bound(baseSeq + 1, seq)),
  ]);
  await tx.done;
  const base = { seq: baseSeq, state: snapshot ? await snapshotState(def, snapshot as SnapshotRecord) : def.initial() };
  const rebuilt = await replay(def, base, records, seq);
  return { seq, state: rebuilt.state, commitsReplayed: rebuilt.commits };
}
