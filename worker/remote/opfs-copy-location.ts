import { isDomError, opfsDirectory } from './opfs-files.js';

// Where a store's OPFS copy lives, known to opfsRemote and to deleteStore
// (which removes it with the store: else the next open would rebuild the
// deleted store from it).

/** The OPFS path of a store's copy: `tidemark/copies/<name>`. */
export function copyPath(storeName: string): string[] {
  return ['tidemark', 'copies', encodeURIComponent(storeName)];
}

/** Deletes a store's OPFS copy. Quiet where there is none, or no OPFS. */
export async function removeOpfsCopy(storeName: string): Promise<void> {
  const parent = await opfsDirectory(copyPath(storeName).slice(0, -1), false).catch(() => undefined);
  try {
    await parent?.removeEntry(encodeURIComponent(storeName), { recursive: true });
  } catch (error) {
    if (!isDomError(error, 'NotFoundError')) throw error;
  }
}
