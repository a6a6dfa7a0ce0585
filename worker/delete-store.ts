import { removeDataMarker } from './data-marker.js';

/** Options of `deleteStore`. */
export interface DeleteStoreOptions {
  /**
   * The IndexedDB holding the store.
   * @default globalThis.indexedDB
   */
  indexedDB?: IDBFactory;
}

/**
 * Deletes a store on purpose: its IndexedDB database and the mark tidemark
 * keeps outside IndexedDB that the store held data. Use it rather than
 * `indexedDB.deleteDatabase(name)`, after which the next open would report
 * the empty database as lost (`DATA_LOST`). Close the store first: open
 * connections (other tabs' workers too) are asked to close, and it resolves
 * once the database is gone.
 */
export async function deleteStore(name: string, options: DeleteStoreOptions = {}): Promise<void> {
  const indexedDB = options.indexedDB ?? globalThis.indexedDB;
  await removeDataMarker(name); // first: a crash between the two leaves a database that looks new, never a false loss
  await new Promise<void>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`Could not delete the database of store "${name}"`));
  });
}
