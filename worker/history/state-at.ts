import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import type { Database } from '../database.js';
import { TransactionGate } from '../transaction-gate.js';
import { isTidemarkError } from '../../src/errors.js';
import type { SnapshotRecord } from '../records.js';
import { readJournal, replay, snapshotState } from './replay.js';
import { canRebuild, outOfRange, readRetained, type Retained } from './window.js';

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
 * is), then the journal up to `seq`. The window and the snapshot are read in
 * one short readonly transaction, the journal in batches of their own
 * (readJournal), and the reducers run in slices that yield to the worker's
 * event loop, so commits are never held up for the whole replay. A trim by
 * a checkpoint meanwhile restarts it once. Never touches the live state.
 *
 * @throws TidemarkError `HISTORY_OUT_OF_RANGE` outside the retained window, `DATA_DAMAGED`.
 */
export async function stateAt(db: Database, def: AnyDefinition, seq: number, what = `stateAt(${seq})`, gate = new TransactionGate(false)): Promise<PastState> {
  try {
    return await rebuildAt(db, def, seq, what, gate);
  } catch (error) {
    if (!isTidemarkError(error, 'JOURNAL_GAP')) throw error;
    return rebuildAt(db, def, seq, what, gate); // a checkpoint trimmed the journal under us: the window moved
  }
}

/** Each transaction goes through `gate` on its own, so commits run between them (see TransactionGate). */
async function rebuildAt(db: Database, def: AnyDefinition, seq: number, what: string, gate: TransactionGate): Promise<PastState> {
  const { retained, base } = await gate.run(() => readBase(db, seq));
  if (!base) throw outOfRange(def.name, what, seq, retained);
  const start = { seq: base.seq, state: base.record ? await snapshotState(def, base.record) : def.initial() };
  const rebuilt = await replay(def, start, readJournal(db, base.seq, seq, gate), seq);
  if (rebuilt.seq !== seq) throw outOfRange(def.name, what, seq, (await gate.run(() => readBase(db))).retained);
  return { seq, state: rebuilt.state, commitsReplayed: rebuilt.commits };
}

/**
 * The retained window and the snapshot a rebuild of `seq` starts from (none
 * when `seq` is outside the window, or not given), in one transaction that
 * is over when this resolves.
 */
async function readBase(db: Database, seq?: number): Promise<{ retained: Retained; base?: { seq: number; record: SnapshotRecord | undefined } }> {
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const retained = await readRetained(tx);
  if (seq === undefined || !Number.isInteger(seq) || !canRebuild(retained, seq)) {
    await tx.done;
    return { retained };
  }
  const baseSeq = retained.snapshotSeqs.includes(seq)
    ? seq
    : (retained.snapshotSeqs.filter((s) => s >= retained.window.firstSeq && s <= seq).at(-1) ?? 0);
  const record = baseSeq === 0 ? undefined : await tx.objectStore('snapshots').get(baseSeq);
  await tx.done;
  return { retained, base: { seq: baseSeq, record } };
}
