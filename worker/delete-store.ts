import { TidemarkError } from '../src/errors.js';
import { removeDataMarker } from './data-marker.js';
import { removeOpfsCopy } from './remote/opfs-copy-location.js';
import { toTidemarkError } from './storage-errors.js';

/** Options of `deleteStore`. */
export interface DeleteStoreOptions {
  /**
   * The IndexedDB that holds the store.
   * @default globalThis.indexedDB
   */
  indexedDB?: IDBFactory;
  /**
   * Called if a connection that is not tidemark's keeps the database open
   * (the deletion waits for it). tidemark's own stores, in every tab, close
   * when asked, and their `closedReason` says why.
   */
  onBlocked?: () => void;
}

/**
 * Deletes a store's database: its journal and snapshots, for good, its
 * local copy (`opfsRemote`) if any, and the
 * mark tidemark keeps outside IndexedDB that the store held data (after a
 * bare `indexedDB.deleteDatabase(name)` the next open would report the empty
 * database as lost, `DATA_LOST`). Every
 * open store of that name, in any tab, closes (`closedReason` is set and
 * later commits reject with `CLOSED`), and the deletion waits until they
 * have; connect again afterwards for an empty store.
 *
 * It is IndexedDB code, so it lives with the engine in `tidemark/worker`;
 * it runs on the page as well (a page that imports only it gets only it).
 *
 * ```ts
 * import { deleteStore } from 'tidemark/worker';
 * await deleteStore(todos.name);
 * ```
 *
 * @throws TidemarkError `STORAGE_FAILED` when there is no IndexedDB or it refuses.
 */
export async function deleteStore(name: string, options: DeleteStoreOptions = {}): Promise<void> {
  const indexedDB = options.indexedDB ?? globalThis.indexedDB;
  if (!indexedDB) {
    throw new TidemarkError('STORAGE_FAILED', `No IndexedDB here to delete store "${name}" from; pass one as \`indexedDB\`.`);
  }
  await removeDataMarker(name); // first: a crash between the two leaves a database that looks new, never a false loss
  // Else the next open would rebuild the deleted store from its copy (opfsRemote); again after, as an
  // open tab's uploader may write one more object before its store closes.
  await removeOpfsCopy(name).catch(() => {});
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(toTidemarkError(request.error, `delete the database of store "${name}"`));
    request.onblocked = () => options.onBlocked?.();
  });
  await removeOpfsCopy(name).catch((error: unknown) => {
    throw toTidemarkError(error, `delete the local copy of store "${name}"`);
  });
}
