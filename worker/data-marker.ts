import type { DataLoss } from '../src/data-loss.js';

// A mark outside IndexedDB that a store holds data: an empty file per store
// in the Origin Private File System. When the browser deletes a damaged
// database it says so only once, to whichever call touches the origin first
// (another database's open or `indexedDB.databases()` can take it); an empty
// database beside this mark is the same loss, seen later. Where there is no
// OPFS (Node, old browsers) there is no mark and only the browser's word.

const DIRECTORY = 'tidemark';

function fileName(storeName: string): string {
  return `${encodeURIComponent(storeName)}.has-data`;
}

async function directory(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.getDirectory !== 'function') return undefined;
  try {
    return await (await storage.getDirectory()).getDirectoryHandle(DIRECTORY, { create });
  } catch {
    return undefined; // no such directory yet, or OPFS refused (e.g. a private window): no mark
  }
}

/** True when the mark of `storeName` exists. */
export async function hasDataMarker(storeName: string): Promise<boolean> {
  return (await markOf(storeName)) === true;
}

/** Whether the mark of `storeName` exists; undefined where no mark can be kept (no OPFS, or OPFS refused). */
async function markOf(storeName: string): Promise<boolean | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.getDirectory !== 'function') return undefined;
  let root: FileSystemDirectoryHandle;
  try {
    root = await storage.getDirectory();
  } catch {
    return undefined;
  }
  try {
    await (await root.getDirectoryHandle(DIRECTORY)).getFileHandle(fileName(storeName));
    return true;
  } catch {
    return false;
  }
}

/** Creates the mark of `storeName` (idempotent). Resolves quietly where OPFS is missing. */
export async function writeDataMarker(storeName: string): Promise<void> {
  await (await directory(true))?.getFileHandle(fileName(storeName), { create: true });
}

/** Removes the mark of `storeName`, e.g. when the app deletes the store on purpose. */
export async function removeDataMarker(storeName: string): Promise<void> {
  await (await directory(false))?.removeEntry(fileName(storeName)).catch(() => {});
}

/**
 * Whether a freshly opened database lost its data: the browser said so
 * (`browserMessage`, from `upgradeneeded`), or it is empty beside the mark.
 * Only an empty database looks at the mark, so a normal load never waits on
 * OPFS. Where marks are kept, a store without one never lost data: the
 * browser says it wiped the origin's databases only once, to whichever opens
 * first, which may be a new store's (the wiped one then finds its mark).
 */
export async function detectDataLoss(storeName: string, browserMessage: string | undefined, empty: boolean): Promise<DataLoss | undefined> {
  if (!empty && browserMessage === undefined) return undefined;
  const marked = await markOf(storeName);
  if (browserMessage !== undefined && marked !== false) {
    return { kind: 'total', message: `the browser deleted its database (${browserMessage})`, detectedBy: 'browser' };
  }
  if (empty && marked) {
    return {
      kind: 'total',
      message: 'its database is empty, but the mark tidemark keeps beside it says it held commits (the database was deleted)',
      detectedBy: 'marker',
    };
  }
  return undefined;
}
