import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { STORAGE_FORMAT, type JournalRecord, type SnapshotRecord } from './records.js';
import { toTidemarkError } from './storage-errors.js';

export interface TidemarkSchema extends DBSchema {
  journal: { key: number; value: JournalRecord };
  snapshots: { key: number; value: SnapshotRecord };
}

export type Database = IDBPDatabase<TidemarkSchema>;

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
  try {
    const request = indexedDB.open(name, STORAGE_FORMAT);
    request.onupgradeneeded = (event) => {
      // Chromium recreates a database it found corrupt and says so here, once: never take it for a new store.
      const { dataLoss, dataLossMessage } = event as IDBVersionChangeEvent & { dataLoss?: string; dataLossMessage?: string };
      if (dataLoss !== undefined && dataLoss !== 'none') onDataLoss(dataLossMessage || `dataLoss: ${dataLoss}`);
      request.result.createObjectStore('journal', { keyPath: 'seq' });
      request.result.createObjectStore('snapshots', { keyPath: 'seq' });
    };
    const db = (await wrap(request)) as unknown as Database;
    db.addEventListener('versionchange', onVersionChange);
    return db;
  } catch (error) {
    throw toTidemarkError(error, `open the database "${name}"`);
  }
}
