import { applyEvents } from '../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { TidemarkError } from '../src/errors.js';
import type { CommitRecord, LoadReport } from '../src/types.js';
import type { Database } from './database.js';
import { assertNotAhead, migrateState, upcastEvents } from './migrations.js';
import type { JournalRecord } from './records.js';
import { decodeState } from './snapshot-codec.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Journal records read per getAll: large batches are what IndexedDB reads fastest. */
export const REPLAY_BATCH_RECORDS = 500;

/** A state rebuilt from the database. */
export interface LoadedState {
  state: unknown;
  seq: number;
  /** Events applied on top of the snapshot. */
  eventsReplayed: number;
  /** When the snapshot used was written (undefined when none was). */
  snapshotAt: number | undefined;
  report: LoadReport;
  /** The state's JSON, when the load has it for free (a snapshot with nothing after it). */
  stateJson: string | undefined;
}

/**
 * Rebuilds the state: the newest snapshot that verifies, then the journal
 * after it. Reads in one transaction so a trim by another tab cannot slip in
 * between. Never writes.
 *
 * @throws TidemarkError `VERSION_AHEAD`, `MIGRATION_MISSING`, `JOURNAL_GAP`, `DATA_DAMAGED`.
 */
export async function loadState(db: Database, def: AnyDefinition, now: () => number = Date.now): Promise<LoadedState> {
  const started = now();
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const snapshots = tx.objectStore('snapshots');
  const damaged: LoadReport['damaged'] = [];

  let state: unknown = undefined;
  let snapshotJson: string | undefined;
  let seq = 0;
  let snapshotSeq = 0;
  let snapshotAt: number | undefined;
  let dataVersion = def.version;
  const keys = await snapshots.getAllKeys();
  for (let i = keys.length - 1; i >= 0 && snapshotAt === undefined; i--) {
    const record = await snapshots.get(keys[i]!);
    if (!record) continue;
    assertNotAhead(def, record.version, `snapshot at seq ${record.seq}`);
    try {
      ({ state, json: snapshotJson } = decodeState(record.bytes, record.hash));
    } catch (error) {
      damaged.push({ seq: record.seq, reason: (error as Error).message });
      continue;
    }
    seq = record.seq;
    snapshotSeq = record.seq;
    snapshotAt = record.at;
    dataVersion = record.version;
  }
  if (snapshotAt === undefined) state = def.initial();
  else if (dataVersion < def.version) state = migrateState(def, state, dataVersion);

  const journal = tx.objectStore('journal');
  let eventsReplayed = 0;
  let commitsReplayed = 0;
  let oldestRecordVersion = def.version;
  for (;;) {
    const records = await journal.getAll(IDBKeyRange.lowerBound(seq + 1), REPLAY_BATCH_RECORDS);
    for (const record of records) {
      if (record.seq !== seq + 1) throw missingHistory(def, seq, record.seq, damaged);
      oldestRecordVersion = Math.min(oldestRecordVersion, record.version);
      for (const commit of commitsAtCurrentVersion(def, record)) {
        state = applyEvents(def, state, commit.events);
        eventsReplayed += commit.events.length;
      }
      commitsReplayed += record.last - record.seq + 1;
      seq = record.last;
    }
    if (records.length < REPLAY_BATCH_RECORDS) break;
  }
  if (snapshotAt === undefined && damaged.length > 0 && seq === 0) throw missingHistory(def, 0, undefined, damaged);
  await tx.done;

  const migratedFrom = Math.min(dataVersion, oldestRecordVersion);
  const report: LoadReport = {
    snapshotSeq,
    commitsReplayed,
    ms: now() - started,
    fellBack: damaged.length > 0,
    damaged,
    ...(migratedFrom < def.version ? { migratedFrom } : {}),
  };
  // The snapshot's own JSON is the state's JSON when nothing changed it since.
  const stateJson = commitsReplayed === 0 && migratedFrom === def.version ? snapshotJson : undefined;
  return { state, seq, eventsReplayed, snapshotAt, report, stateJson };
}

/**
 * The commits of a journal record with their events brought to the current
 * version (and `VERSION_AHEAD` if the record is newer than the code).
 */
export function commitsAtCurrentVersion(def: AnyDefinition, record: JournalRecord): CommitRecord[] {
  if (record.version === def.version) return record.commits;
  assertNotAhead(def, record.version, `journal record at seq ${record.seq}`);
  return record.commits.map((commit) => ({ ...commit, events: upcastEvents(def, commit.events, record.version) }));
}

function missingHistory(
  def: AnyDefinition,
  seq: number,
  found: number | undefined,
  damaged: LoadReport['damaged'],
): TidemarkError {
  if (damaged.length > 0 && seq === 0) {
    return new TidemarkError(
      'DATA_DAMAGED',
      `Every snapshot of store "${def.name}" is damaged (${damaged.map((d) => `seq ${d.seq}: ${d.reason}`).join('; ')}) ` +
        'and the journal no longer reaches back to the first commit, so the state cannot be rebuilt. ' +
        'Restore the database from a backup or clear it.',
      { details: { damaged } },
    );
  }
  return new TidemarkError(
    'JOURNAL_GAP',
    `The journal of store "${def.name}" jumps from seq ${seq} to seq ${found}: commits ${seq + 1}–${(found ?? seq) - 1} ` +
      'are missing, so the state cannot be rebuilt exactly. The database was changed outside tidemark; restore it or clear it.',
    { details: { after: seq, found } },
  );
}
