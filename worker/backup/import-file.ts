import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import type { ImportOptions, ImportResult } from '../../src/types.js';
import { openStore, type OpenStoreOptions } from '../open-store.js';

/** Options of the standalone `importBackup`: the import's and the store's. */
export interface ImportBackupOptions extends ImportOptions, OpenStoreOptions {}

/**
 * Imports a backup file (from `store.exportBackup()`) into the store `def`
 * names, on this thread: opens it, imports, closes it. Into an empty store
 * the file's history is loaded as it was; with `{ replace: true }` a store
 * with commits gets a safety snapshot, then the file's state as a new commit.
 * In a page whose store runs in a worker, call `store.importBackup()` instead.
 *
 * @throws TidemarkError `BACKUP_INVALID` (nothing changed), `STORE_NOT_EMPTY`, `VERSION_AHEAD`, `MIGRATION_MISSING`.
 */
export async function importBackup<S, R extends Reducers<S>>(
  def: StoreDefinition<S, R>,
  file: Blob,
  options: ImportBackupOptions = {},
): Promise<ImportResult> {
  const store = await openStore(def, options);
  try {
    return await store.importBackup(file, options);
  } finally {
    await store.close();
  }
}
