import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import { hashState, hashText } from '../../src/hash.js';
import { STATE_EVENT, type StateEvent } from '../../src/state-event.js';
import type { CommitResult, ImportOptions, ImportResult, SnapshotInfo, SnapshotKind } from '../../src/types.js';
import type { Database } from '../database.js';
import type { TransactionGate } from '../transaction-gate.js';
import { loadState, stateOfLoaded, type LoadedState } from '../load.js';
import type { SnapshotRecord } from '../records.js';
import { encodeJson } from '../snapshot-codec.js';
import { readBackup, type Backup } from './backup-file.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** What an import needs of the engine. */
export interface ImportHost {
  db: Database;
  /** The engine's: the import's transactions go through it (see TransactionGate). */
  gate: TransactionGate;
  def: AnyDefinition;
  now: () => number;
  seq(): number;
  state(): unknown;
  checkpoint(kind: SnapshotKind, options?: { dropDamaged?: boolean }): Promise<SnapshotInfo | null>;
  commitState(event: StateEvent): Promise<CommitResult>;
  /** Runs `work` with no commit in flight and none starting until it ends. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /** Sync mode: the journal is the shared log, written only by the syncer. */
  journalIsShared: boolean;
  /** Starts over from a state loaded from the database, and tells pages and tabs. */
  adopt(loaded: LoadedState): void;
}

/**
 * Imports a backup file (see backup-file.ts), verified whole before anything
 * is written. Into an empty store, the file's snapshot and journal are
 * written as they were, seqs and all, in one transaction spanning
 * `snapshots` and `journal` (as a checkpoint's), which also checks that the
 * store is still empty. With `replace`, into a store with commits: a safety
 * snapshot (kind 'rewind') of the current state, then the file's state
 * becomes current as a new commit of the built-in state event — the same
 * two steps as a rewind, so a crash leaves the old state or the new one,
 * and `rewind(safety.seq)` undoes the import.
 *
 * @throws TidemarkError `BACKUP_INVALID` (nothing changed), `STORE_NOT_EMPTY` without `replace`.
 */
export async function importInto(host: ImportHost, blob: Blob, options: ImportOptions = {}): Promise<ImportResult> {
  const backup = await readBackup(host.def, blob);
  const facts = {
    store: backup.header.store,
    version: backup.header.version,
    firstSeq: backup.header.firstSeq,
    lastSeq: backup.header.lastSeq,
    exportedAt: backup.header.exportedAt,
  };
  // In sync mode the journal is the shared log: a backup comes in as a commit, even into an empty store.
  if (host.seq() > 0 || host.journalIsShared) {
    if (host.seq() > 0 && !options.replace) throw notEmpty(host.def, host.seq());
    const json = JSON.stringify(stateOfLoaded(host.def, backup.loaded));
    const safetySnapshot = await host.checkpoint('rewind');
    const { seq } = await host.commitState({ type: STATE_EVENT, json, hash: hashText(json), cause: 'import' });
    return { mode: 'replaced', seq, hash: hashText(json), backup: facts, safetySnapshot };
  }
  const snapshot = backup.body.snapshot && (await snapshotRecord(backup));
  const loaded = await host.exclusive(async () => {
    await host.gate.run(() => writeIntoEmpty(host.db, host.def, snapshot, backup));
    const fresh = await host.gate.run(() => loadState(host.db, host.def, host.now));
    host.adopt(fresh);
    return fresh;
  });
  if (loaded.report.migratedFrom !== undefined) await host.checkpoint('manual', { dropDamaged: true }); // pay the migration once
  return { mode: 'loaded', seq: host.seq(), hash: hashState(host.state()), backup: facts, safetySnapshot: null };
}

async function snapshotRecord(backup: Backup): Promise<SnapshotRecord> {
  const { seq, at, version, json } = backup.body.snapshot!;
  const encoded = await encodeJson(json);
  return { seq, at, kind: 'manual', version, codec: 'json+gzip', ...encoded };
}

async function writeIntoEmpty(db: Database, def: AnyDefinition, snapshot: SnapshotRecord | null, backup: Backup): Promise<void> {
  const tx = db.transaction(['snapshots', 'journal'], 'readwrite', { durability: 'strict' });
  tx.done.catch(() => {}); // awaited below; a failed write must not go unhandled meanwhile
  const [journalCount, snapshotCount] = await Promise.all([tx.objectStore('journal').count(), tx.objectStore('snapshots').count()]);
  if (journalCount + snapshotCount > 0) {
    tx.abort();
    throw notEmpty(def, undefined);
  }
  const writes: Array<Promise<unknown>> = backup.body.records.map((record) => tx.objectStore('journal').add(record));
  if (snapshot) writes.push(tx.objectStore('snapshots').add(snapshot));
  await Promise.all([...writes, tx.done]);
}

function notEmpty(def: AnyDefinition, seq: number | undefined): TidemarkError {
  return new TidemarkError(
    'STORE_NOT_EMPTY',
    `Store "${def.name}" already holds commits${seq === undefined ? ' (another tab wrote meanwhile)' : ` (through seq ${seq})`}, ` +
      'so the backup was not imported and nothing changed. Pass { replace: true } to replace its state ' +
      '(a safety snapshot is kept: rewinds() lists it), or import into a new store.',
    { details: { seq } },
  );
}
