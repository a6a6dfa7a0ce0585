import { applyEvents } from '../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { TidemarkError } from '../src/errors.js';
import { hashState } from '../src/hash.js';
import type { CommitRecord, LoadReport } from '../src/types.js';
import type { Database } from './database.js';
import { assertNotAhead, migrateState, upcastEvents } from './migrations.js';
import type { JournalRecord, SnapshotRecord } from './records.js';
import { canGunzipNatively, loadFflate, verifySnapshotJson, verifyState, type Fflate } from './snapshot-codec.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Journal records read per getAll: large batches are what IndexedDB reads fastest. */
export const REPLAY_BATCH_RECORDS = 500;

/** Batches the fast load reads before the decompression; a longer suffix takes the general path. */
const FAST_LOAD_BATCHES = 4;

/** A state rebuilt from the database. */
export interface LoadedState {
  /** The state; undefined when only `unparsed` holds it (see stateOfLoaded). */
  state: unknown;
  /**
   * The state not built yet: a load that replays nothing, or that gave a
   * page the draft, leaves the parse (and the replay) to whoever needs the
   * object first, so a page can start from the JSON while the worker
   * answers it (see Engine).
   */
  unparsed: Unparsed | undefined;
  seq: number;
  /** Events applied on top of the snapshot. */
  eventsReplayed: number;
  /** When the snapshot used was written (undefined when none was). */
  snapshotAt: number | undefined;
  /** When the first commit after that snapshot was made (undefined when none follows it). */
  firstCommitAt: number | undefined;
  report: LoadReport;
  /** The state's JSON, when the load has it for free (a snapshot with nothing after it). */
  stateJson: string | undefined;
  /** The local snapshot the state was rebuilt from, bytes and all (the uploader may send it); undefined when none was. */
  snapshot?: SnapshotRecord;
  /** The draft given to OnDraft, when the state is exactly it. */
  draft?: Draft;
}

/** A state as a snapshot's JSON and the commits (at the store's version) still to apply to it. */
export interface Unparsed {
  json: string;
  commits: readonly CommitRecord[];
}

/** The state of an Unparsed: parsed, and its commits applied, now. @throws TidemarkError `REDUCER_THREW`, `UNKNOWN_EVENT` */
export function parseUnparsed(def: AnyDefinition, { json, commits }: Unparsed): unknown {
  let state = JSON.parse(json) as unknown;
  for (const commit of commits) state = applyEvents(def, state, commit.events);
  return state;
}

/** A loaded state as an object, built now if the load left it unparsed. */
export function stateOfLoaded(def: AnyDefinition, loaded: LoadedState): unknown {
  return loaded.unparsed ? parseUnparsed(def, loaded.unparsed) : loaded.state;
}

/**
 * The state a load is about to return, given before its last check (the
 * snapshot's hash) ends: the newest snapshot's JSON and the commits after
 * it, all at the store's version. If the check fails, the load goes on to an
 * older snapshot and returns another state.
 */
export interface Draft {
  json: string;
  commits: CommitRecord[];
}

/**
 * Given to loadState: called with the Draft, when there is one (see
 * DRAFT_MAX_EVENTS). A hydration calls it twice with the same Draft: first
 * with no commits, once the snapshot's JSON is decompressed; then with the
 * commits after it, once every segment is checked (pages that had the first
 * call are sent those commits alone).
 */
export type OnDraft = (draft: Draft) => void;

/**
 * Most events a draft holds: a page applies them on its main thread. About
 * what a hydration replays at the remote's default snapshotEveryCommits; a
 * longer suffix is left to the worker.
 */
export const DRAFT_MAX_EVENTS = 10_000;

/**
 * Rebuilds the state: the newest snapshot that verifies, then the journal
 * after it. Reads in one transaction so a trim by another tab cannot slip in
 * between. Never writes.
 *
 * @throws TidemarkError `VERSION_AHEAD`, `MIGRATION_MISSING`, `JOURNAL_GAP`, `DATA_DAMAGED`.
 */
export async function loadState(db: Database, def: AnyDefinition, now: () => number = Date.now, onDraft?: OnDraft): Promise<LoadedState> {
  const started = now();
  return (await loadNewest(db, def, started, now, onDraft)) ?? (await loadWithFallback(db, def, started, now));
}

/**
 * The common case, fast: the newest snapshot and the journal after it read
 * in one transaction, then the snapshot gunzipped by the platform
 * (DecompressionStream, native: in a fresh worker it is several times
 * faster than fflate, whose code is not compiled yet). The transaction is
 * over before the decompression, so this gives up, returning undefined,
 * when the suffix takes more than a few batches, when the snapshot does not
 * verify, or when there is no snapshot or no native gunzip: loadWithFallback
 * then does it all, and says why.
 */
async function loadNewest(db: Database, def: AnyDefinition, started: number, now: () => number, onDraft?: OnDraft): Promise<LoadedState | undefined> {
  if (!canGunzipNatively()) return undefined;
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const snapshots = tx.objectStore('snapshots');
  const keys = await snapshots.getAllKeys();
  const record = keys.length > 0 ? await snapshots.get(keys[keys.length - 1]!) : undefined;
  const suffix: JournalRecord[] = [];
  let complete = false;
  for (let batch = 0; record && batch < FAST_LOAD_BATCHES && !complete; batch++) {
    const after = suffix.length > 0 ? suffix[suffix.length - 1]!.last : record.seq;
    const records = await tx.objectStore('journal').getAll(IDBKeyRange.lowerBound(after + 1), REPLAY_BATCH_RECORDS);
    suffix.push(...records);
    complete = records.length < REPLAY_BATCH_RECORDS;
  }
  await tx.done;
  if (!record || !complete) return undefined;
  assertNotAhead(def, record.version, `snapshot at seq ${record.seq}`);
  let json: string;
  let draft: Draft | undefined;
  const drafting = onDraft && isDraftable(def, record, suffix);
  try {
    json = await verifySnapshotJson(record.bytes, record.hash, drafting ? (text) => onDraft((draft = { json: text, commits: suffix.flatMap((r) => r.commits) })) : undefined);
  } catch {
    return undefined;
  }
  // A page that has the draft builds the state itself: the worker builds its own after answering it.
  const rebuild = new Rebuild(def, [], draft !== undefined);
  rebuild.fromSnapshot(json, record);
  rebuild.apply(suffix);
  return { ...rebuild.finish(started, now), snapshot: record, ...(draft && { draft }) };
}

/** True when a page can start from the snapshot and the suffix as they are: nothing to migrate, not too much to apply. */
export function isDraftable(def: AnyDefinition, snapshot: SnapshotRecord, suffix: readonly JournalRecord[]): boolean {
  if (snapshot.version !== def.version || suffix.some((record) => record.version !== def.version)) return false;
  let events = 0;
  for (const record of suffix) for (const commit of record.commits) events += commit.events.length;
  return events <= DRAFT_MAX_EVENTS;
}

/** Every snapshot from the newest down until one verifies, then the journal after it, in batches. */
async function loadWithFallback(db: Database, def: AnyDefinition, started: number, now: () => number, fflate?: Fflate): Promise<LoadedState> {
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const snapshots = tx.objectStore('snapshots');
  const damaged: LoadReport['damaged'] = [];
  const rebuild = new Rebuild(def, damaged);
  const keys = await snapshots.getAllKeys();
  let used: SnapshotRecord | undefined;
  // Snapshots are checked inside the transaction, so synchronously, by fflate: a store
  // without snapshots (a new one) never loads it. This transaction is dropped meanwhile.
  if (keys.length > 0 && !fflate) return loadWithFallback(db, def, started, now, await loadFflate());
  for (let i = keys.length - 1; i >= 0 && rebuild.snapshotAt === undefined; i--) {
    const record = await snapshots.get(keys[i]!);
    if (!record) continue;
    assertNotAhead(def, record.version, `snapshot at seq ${record.seq}`);
    let json: string;
    try {
      json = verifyState(fflate!, record.bytes, record.hash);
    } catch (error) {
      damaged.push({ seq: record.seq, reason: (error as Error).message });
      // Its bytes are bad, but the hash it was written with still checks the replay that passes its seq.
      if (record.version === def.version) rebuild.checkAt(record.seq, record.hash);
      continue;
    }
    rebuild.fromSnapshot(json, record);
    used = record;
  }

  const journal = tx.objectStore('journal');
  for (;;) {
    const records = await journal.getAll(IDBKeyRange.lowerBound(rebuild.seq + 1), REPLAY_BATCH_RECORDS);
    rebuild.apply(records);
    if (records.length < REPLAY_BATCH_RECORDS) break;
  }
  if (rebuild.snapshotAt === undefined && damaged.length > 0 && rebuild.seq === 0) {
    throw missingHistory(def, 0, undefined, damaged);
  }
  await tx.done;
  return { ...rebuild.finish(started, now), ...(used && { snapshot: used }) };
}

/**
 * Rebuilds a state from data already verified in memory (a download from the
 * remote): the snapshot's JSON, if any, then gapless records after it.
 * @throws TidemarkError like loadState
 */
export function rebuildState(
  def: AnyDefinition,
  snapshot: { json: string; record: Pick<SnapshotRecord, 'seq' | 'at' | 'version'> } | undefined,
  records: readonly JournalRecord[],
  started: number,
  now: () => number,
  /** Leave the parse and the replay to whoever needs the state (see LoadedState.unparsed). */
  lazy = false,
): LoadedState {
  const rebuild = new Rebuild(def, [], lazy);
  if (snapshot) {
    assertNotAhead(def, snapshot.record.version, `snapshot at seq ${snapshot.record.seq}`);
    rebuild.fromSnapshot(snapshot.json, snapshot.record);
  }
  rebuild.apply(records);
  return rebuild.finish(started, now);
}

/** A state being rebuilt: from a snapshot (or the initial state), then journal records. */
class Rebuild {
  seq = 0;
  snapshotSeq = 0;
  snapshotAt: number | undefined;
  firstCommitAt: number | undefined;
  eventsReplayed = 0;
  commitsReplayed = 0;
  private state: unknown;
  /** False until `state` is made: from the snapshot's JSON, parsed only when something needs it, or the initial state. */
  private hasState = false;
  private json: string | undefined;
  /** Lazy: commits not applied yet while `hasState` is false, because nothing needed the state (see finish). */
  private unapplied: CommitRecord[] = [];
  private dataVersion: number;
  private oldestRecordVersion: number;
  /** Stored hashes of snapshots the replay passes (see checkAt). */
  private readonly checks = new Map<number, string>();
  private mismatch: LoadReport['replayMismatch'];

  constructor(
    private readonly def: AnyDefinition,
    private readonly damaged: LoadReport['damaged'],
    /** Commits on top of a snapshot's JSON are applied only when something needs the state. */
    private readonly lazy = false,
  ) {
    this.dataVersion = def.version;
    this.oldestRecordVersion = def.version;
  }

  fromSnapshot(json: string, record: Pick<SnapshotRecord, 'seq' | 'at' | 'version'>): void {
    this.json = json;
    this.hasState = false;
    this.seq = record.seq;
    this.snapshotSeq = record.seq;
    this.snapshotAt = record.at;
    this.dataVersion = record.version;
    if (this.dataVersion < this.def.version) this.state = migrateState(this.def, this.current(), this.dataVersion);
  }

  /** The state as an object. The hash is of the text JSON.stringify wrote, so a snapshot that verified parses. */
  private current(): unknown {
    if (!this.hasState) {
      this.state = this.json === undefined ? this.def.initial() : parseUnparsed(this.def, { json: this.json, commits: this.unapplied });
      this.hasState = true;
    }
    return this.state;
  }

  /**
   * When the replay passes `seq`, the state must hash to `hash` (a snapshot's
   * stored hash): a cheap check, paid only where a replay passes a snapshot.
   * A mismatch is reported in `LoadReport.replayMismatch`.
   */
  checkAt(seq: number, hash: string): void {
    this.checks.set(seq, hash);
  }

  /** Applies records that follow on from `seq`. @throws TidemarkError `JOURNAL_GAP` at a gap. */
  apply(records: readonly JournalRecord[]): void {
    for (const record of records) {
      if (record.seq !== this.seq + 1) throw missingHistory(this.def, this.seq, record.seq, this.damaged);
      this.oldestRecordVersion = Math.min(this.oldestRecordVersion, record.version);
      this.firstCommitAt ??= record.commits[0]?.at;
      const deferred = this.lazy && !this.hasState && this.json !== undefined && this.checks.size === 0;
      for (const commit of commitsAtCurrentVersion(this.def, record)) {
        if (deferred) this.unapplied.push(commit);
        else this.state = applyEvents(this.def, this.current(), commit.events);
        this.eventsReplayed += commit.events.length;
      }
      this.commitsReplayed += record.last - record.seq + 1;
      this.seq = record.last;
      const expected = this.checks.get(this.seq);
      if (expected !== undefined && this.mismatch === undefined) {
        const actual = hashState(this.current());
        if (actual !== expected) this.mismatch = { seq: this.seq, expected, actual };
      }
    }
  }

  finish(started: number, now: () => number): LoadedState {
    const migratedFrom = Math.min(this.dataVersion, this.oldestRecordVersion);
    const report: LoadReport = {
      snapshotSeq: this.snapshotSeq,
      commitsReplayed: this.commitsReplayed,
      ms: now() - started,
      fellBack: this.damaged.length > 0,
      damaged: this.damaged,
      ...(migratedFrom < this.def.version ? { migratedFrom } : {}),
      ...(this.mismatch ? { replayMismatch: this.mismatch } : {}),
    };
    const unparsed = this.hasState || this.json === undefined ? undefined : { json: this.json, commits: this.unapplied };
    return {
      state: unparsed === undefined ? this.current() : undefined,
      unparsed,
      seq: this.seq,
      eventsReplayed: this.eventsReplayed,
      snapshotAt: this.snapshotAt,
      firstCommitAt: this.firstCommitAt,
      report,
      // The snapshot's own JSON is the state's JSON when nothing changed it since.
      stateJson: this.commitsReplayed === 0 && migratedFrom === this.def.version ? this.json : undefined,
    };
  }
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
