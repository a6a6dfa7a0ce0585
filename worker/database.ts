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
 */
export async function openDatabase(
  name: string,
  indexedDB: IDBFactory,
  onVersionChange: () => void,
): Promise<Database> {
  try {
    const request = indexedDB.open(name, STORAGE_FORMAT);
    request.onupgradeneeded = () => {
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
