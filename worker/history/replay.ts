import { applyEvents } from '../../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import type { CommitRecord } from '../../src/types.js';
import type { Database } from '../database.js';
import { TransactionGate } from '../transaction-gate.js';
import { commitsAtCurrentVersion } from '../load.js';
import { assertNotAhead, migrateState } from '../migrations.js';
import type { JournalRecord, SnapshotRecord } from '../records.js';
import { verifySnapshotJson } from '../snapshot-codec.js';
import { yieldToOthers } from '../yield-to-others.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/**
 * Most milliseconds a history replay (stateAt, verify) runs before it yields
 * to the worker's event loop, so commits queued meanwhile are written
 * between slices instead of waiting for the whole replay.
 */
export const REPLAY_SLICE_MS = 8;

/**
 * Journal records a history read takes per readonly transaction: a commit
 * waits for one such read at most. Smaller than a load's batches (500),
 * which have no commits to let through.
 */
export const HISTORY_BATCH_RECORDS = 200;

/**
 * A snapshot's state, verified against its hash and brought to the current
 * version. @throws TidemarkError `DATA_DAMAGED` when it does not verify, `VERSION_AHEAD`.
 */
export async function snapshotState(def: AnyDefinition, record: SnapshotRecord): Promise<unknown> {
  assertNotAhead(def, record.version, `snapshot at seq ${record.seq}`);
  let json: string;
  try {
    json = await verifySnapshotJson(record.bytes, record.hash);
  } catch (error) {
    throw new TidemarkError(
      'DATA_DAMAGED',
      `The snapshot of store "${def.name}" at seq ${record.seq} is damaged (${(error as Error).message}), so the state there cannot be rebuilt from it. ` +
        'The live state is not affected; pick another seq.',
      { details: { seq: record.seq } },
    );
  }
  const state = JSON.parse(json) as unknown;
  return record.version < def.version ? migrateState(def, state, record.version) : state;
}

/**
 * The journal records holding seqs `after + 1` … `through`, in batches of
 * HISTORY_BATCH_RECORDS, each read in a readonly transaction of its own
 * (through the engine's `gate`), the next one while this one is replayed: a
 * commit (a readwrite transaction on `journal`) waits for one batch at most,
 * never for the whole range. A trim between batches shows as a gap, which
 * `replay` reports.
 */
export async function* readJournal(db: Database, after: number, through: number, gate = new TransactionGate(false)): AsyncGenerator<JournalRecord[]> {
  const read = (first: number): Promise<JournalRecord[]> | undefined => {
    if (first > through) return undefined;
    const batch = gate.run(async () => {
      const tx = db.transaction('journal', 'readonly');
      return (await Promise.all([tx.store.getAll(IDBKeyRange.bound(first, through), HISTORY_BATCH_RECORDS), tx.done]))[0];
    });
    batch.catch(() => {}); // awaited below, unless the replay stops first
    return batch;
  };
  for (let batch = read(after + 1); batch; ) {
    const records = await batch;
    if (records.length === 0) return;
    batch = read(records[records.length - 1]!.last + 1);
    yield records;
  }
}

/**
 * Replays journal records on `state` (the state after `seq`) through
 * `through`, yielding every REPLAY_SLICE_MS. `visit` sees the state after
 * each commit; returning false stops the replay there.
 * @throws TidemarkError `JOURNAL_GAP` when the records do not follow on from `seq`.
 */
export async function replay(
  def: AnyDefinition,
  start: { seq: number; state: unknown },
  batches: AsyncIterable<readonly JournalRecord[]>,
  through: number,
  visit?: (commit: CommitRecord, state: unknown) => boolean | void,
): Promise<{ seq: number; state: unknown; commits: number }> {
  let { seq, state } = start;
  let commits = 0;
  let sliceStart = performance.now();
  for await (const records of batches) for (const record of records) {
    if (record.seq > seq + 1) {
      throw new TidemarkError('JOURNAL_GAP', `The journal of store "${def.name}" jumps from seq ${seq} to ${record.seq}: the state after it cannot be rebuilt.`, {
        details: { after: seq, found: record.seq },
      });
    }
    for (const commit of commitsAtCurrentVersion(def, record)) {
      if (commit.seq <= seq) continue;
      if (commit.seq > through) return { seq, state, commits };
      state = applyEvents(def, state, commit.events);
      seq = commit.seq;
      commits++;
      if (visit?.(commit, state) === false) return { seq, state, commits };
      if (performance.now() - sliceStart >= REPLAY_SLICE_MS) {
        await yieldToOthers();
        sliceStart = performance.now();
      }
    }
  }
  return { seq, state, commits };
}
