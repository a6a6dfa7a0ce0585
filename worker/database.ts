import { wrap, type DBSchema, type IDBPDatabase, type StoreKey, type StoreNames, type StoreValue } from 'idb';
import type { RejectedCommit } from '../src/types.js';
import { STORAGE_FORMAT, type JournalRecord, type OutboxEntry, type SnapshotRecord, type UploadCursor } from './records.js';
import type { Heads } from './remote/objects.js';
import { toTidemarkError } from './storage-errors.js';
import { TidemarkError } from '../src/errors.js';

export interface TidemarkSchema extends DBSchema {
  journal: { key: number; value: JournalRecord };
  snapshots: { key: number; value: SnapshotRecord };
  /**
   * The remote's records: the upload cursor under 'upload'; sync mode's
   * rejections under 'rejected', the Heads at the journal's end under
   * 'heads', this device's id in the shared log under 'device'.
   */
  remote: { key: string; value: UploadCursor | { rejected: RejectedCommit[] } | KeptHeads | { id: string } };
  /** Sync mode: this device's commits not in the shared log yet, in order. */
  outbox: { key: number; value: OutboxEntry };
}

export type Database = IDBPDatabase<TidemarkSchema>;

/**
 * One record, read in a transaction of its own that is over when this
 * resolves (idb's `db.get` resolves before): for work that runs through a
 * TransactionGate.
 */
export async function readRecord<N extends StoreNames<TidemarkSchema>>(
  db: Database,
  store: N,
  key: StoreKey<TidemarkSchema, N>,
): Promise<StoreValue<TidemarkSchema, N> | undefined> {
  const tx = db.transaction(store, 'readonly');
  const [value] = await Promise.all([tx.store.get(key), tx.done]);
  return value;
}

/** Sync mode: the Heads after the shared log through `seq` (see objects.ts). */
export interface KeptHeads {
  seq: number;
  heads: Heads;
}

/**
 * Opens (creating if needed) the database of one store in the given
 * IndexedDB factory. `onVersionChange` runs when another connection wants to
 * delete or upgrade the database: the caller must close, or it waits forever.
 * `onDataLoss` runs when the browser reports that it deleted the database's
 * data (`upgradeneeded` with `dataLoss`), with its message.
 */
export async function openDatabase(
  name: string,
  indexedDB: IDBFactory,
  onVersionChange: () => void,
  onDataLoss: (message: string) => void = () => {},
): Promise<Database> {
  assertIndexedDBClasses();
  try {
    const request = indexedDB.open(name, STORAGE_FORMAT);
    request.onupgradeneeded = (event) => {
      // Chromium recreates a database it found corrupt and says so here, once: never take it for a new store.
      const { dataLoss, dataLossMessage } = event as IDBVersionChangeEvent & { dataLoss?: string; dataLossMessage?: string };
      if (dataLoss !== undefined && dataLoss !== 'none') onDataLoss(dataLossMessage || `dataLoss: ${dataLoss}`);
      const db = request.result;
      if (event.oldVersion < 1) {
        db.createObjectStore('journal', { keyPath: 'seq' });
        db.createObjectStore('snapshots', { keyPath: 'seq' });
      }
      if (event.oldVersion < 2) db.createObjectStore('remote');
      if (event.oldVersion < 3) db.createObjectStore('outbox', { autoIncrement: true });
    };
    const db = (await wrap(request)) as unknown as Database;
    db.addEventListener('versionchange', onVersionChange);
    return db;
  } catch (error) {
    throw toTidemarkError(error, `open the database "${name}"`);
  }
}

/**
 * The engine (through idb) uses the IndexedDB classes as globals
 * (`IDBRequest`, `IDBKeyRange`…), not only the factory it is given. A
 * browser or worker has them; Node has them once `fake-indexeddb/auto` is
 * imported. Without them, say so instead of failing with a ReferenceError.
 */
function assertIndexedDBClasses(): void {
  const globals = globalThis as Record<string, unknown>;
  const missing = ['IDBRequest', 'IDBKeyRange'].filter((name) => typeof globals[name] !== 'function');
  if (missing.length === 0) return;
  throw new TidemarkError(
    'STORAGE_FAILED',
    'The IndexedDB classes (IDBRequest, IDBKeyRange…) are not defined here: passing an IDBFactory is not enough. ' +
      "In Node, import 'fake-indexeddb/auto' once, before opening a store; pass `indexedDB: new IDBFactory()` as well for a database of your own.",
    { details: { missing } },
  );
}
