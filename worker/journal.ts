import { applyCommit, applyEvents } from '../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import type { CommitRecord, StoredEvent } from '../src/types.js';
import type { IDBPTransaction } from 'idb';
import type { Database, TidemarkSchema } from './database.js';
import { commitNow } from './commit-now.js';
import { commitsAtCurrentVersion } from './load.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;
type JournalTransaction = IDBPTransaction<TidemarkSchema, ['journal'], 'readwrite'>;

/** One commit waiting to be written. */
export interface CommitRequest {
  events: StoredEvent[];
  origin: string;
}

/** What one journal transaction did. */
export interface BatchOutcome {
  state: unknown;
  seq: number;
  /** Commits other tabs wrote since our last seq, applied before ours. */
  foreign: CommitRecord[];
  /** Our commits that were written, in request order. */
  written: CommitRecord[];
  /** Per request: its seq, or the error its reducers threw. */
  results: Array<number | Error>;
  /** Events applied (foreign + ours). */
  eventsApplied: number;
}

/** Thrown when the journal no longer reaches back to our seq: another tab trimmed it. Reload from a snapshot. */
export class FellBehind extends Error {
  constructor(readonly seq: number, readonly found: number) {
    super(`journal no longer holds seq ${seq + 1} (first newer record: ${found})`);
  }
}

/**
 * Writes a batch of commits as ONE journal record in ONE transaction (group
 * commit), after catching up with whatever other tabs appended. IndexedDB
 * serialises readwrite transactions on `journal`, so reading the tail and
 * appending at the next seq inside one transaction makes it the sequencer.
 *
 * With `tailKnown` (the writer role: see writer-role.ts) the read is skipped
 * and the batch appended at `base.seq + 1` straight away; if another tab
 * wrote there, `add` fails on the existing key and the batch is written again
 * after a read, so a wrong guess costs time, never a commit.
 *
 * Rules: a commit whose reducers throw is left out (its slot in `results` holds
 * the error) and the others still go; nothing is visible to the caller until
 * the transaction completes; with an empty batch this only catches up, read-only.
 */
export async function writeBatch(
  db: Database,
  def: AnyDefinition,
  base: { state: unknown; seq: number },
  batch: readonly CommitRequest[],
  durability: 'strict' | 'relaxed',
  at: number,
  tailKnown = false,
): Promise<BatchOutcome> {
  const append: Append = { db, def, batch, durability, at };
  if (tailKnown && batch.length > 0) {
    try {
      return await appendBatch(append, base, []);
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== 'ConstraintError') throw error;
    }
  }
  // An empty batch only catches up; a readonly transaction does not wait behind writers.
  const tx = db.transaction('journal', batch.length > 0 ? 'readwrite' : 'readonly', { durability }) as JournalTransaction;
  let state = base.state;
  let seq = base.seq;
  let eventsApplied = 0;

  const foreign: CommitRecord[] = [];
  try {
    for (const record of await tx.store.getAll(IDBKeyRange.lowerBound(seq + 1))) {
      if (record.seq !== seq + 1) throw new FellBehind(seq, record.seq);
      for (const commit of commitsAtCurrentVersion(def, record)) {
        state = applyEvents(def, state, commit.events);
        eventsApplied += commit.events.length;
        foreign.push(commit);
      }
      seq = record.last;
    }
  } catch (error) {
    tx.abort();
    await tx.done.catch(() => {});
    throw error;
  }
  if (batch.length === 0) {
    await tx.done;
    return { state, seq, foreign, written: [], results: [], eventsApplied };
  }
  const outcome = await appendBatch(append, { state, seq }, foreign, tx);
  return { ...outcome, eventsApplied: outcome.eventsApplied + eventsApplied };
}

/** What a batch is appended with: writeBatch's arguments. */
interface Append {
  db: Database;
  def: AnyDefinition;
  batch: readonly CommitRequest[];
  durability: 'strict' | 'relaxed';
  at: number;
}

/** Applies the batch on `base` and adds it as one record at `base.seq + 1`, in `tx` or a transaction of its own. */
async function appendBatch(
  { db, def, batch, durability, at }: Append,
  base: { state: unknown; seq: number },
  foreign: CommitRecord[],
  tx: JournalTransaction = db.transaction('journal', 'readwrite', { durability }) as JournalTransaction,
): Promise<BatchOutcome> {
  let { state, seq } = base;
  let eventsApplied = 0;
  const written: CommitRecord[] = [];
  const results: Array<number | Error> = batch.map((request) => {
    try {
      state = applyCommit(def, state, request.events);
    } catch (error) {
      return error as Error;
    }
    eventsApplied += request.events.length;
    written.push({ seq: ++seq, at, events: request.events, origin: request.origin });
    return seq;
  });

  if (written.length > 0) {
    // `add`, not `put`: if two writers ever claimed one seq, the second fails loudly.
    const added = tx.store.add({ seq: written[0]!.seq, last: seq, version: def.version, commits: written });
    commitNow(tx); // nothing more goes in this transaction
    await Promise.all([added, tx.done]);
  } else {
    await tx.done;
  }
  return { state, seq, foreign, written, results, eventsApplied };
}
