import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { STORAGE_FORMAT, type JournalRecord, type SnapshotRecord, type UploadCursor } from './records.js';
import { toTidemarkError } from './storage-errors.js';

export interface TidemarkSchema extends DBSchema {
  journal: { key: number; value: JournalRecord };
  snapshots: { key: number; value: SnapshotRecord };
  /** Durable cursors of the remote uploader, by name ('upload'). */
  remote: { key: string; value: UploadCursor };
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
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion < 1) {
        db.createObjectStore('journal', { keyPath: 'seq' });
        db.createObjectStore('snapshots', { keyPath: 'seq' });
      }
      if (event.oldVersion < 2) db.createObjectStore('remote');
    };
    const db = (await wrap(request)) as unknown as Database;
    db.addEventListener('versionchange', onVersionChange);
    return db;
  } catch (error) {
    throw toTidemarkError(error, `open the database "${name}"`);
  }
}
