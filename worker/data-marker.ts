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
  const dir = await directory(false);
  if (!dir) return false;
  try {
    await dir.getFileHandle(fileName(storeName));
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
 * Only an empty database looks at the mark, so a normal load never waits on OPFS.
 */
export async function detectDataLoss(storeName: string, browserMessage: string | undefined, empty: boolean): Promise<DataLoss | undefined> {
  if (browserMessage !== undefined) return { kind: 'total', message: `the browser deleted its database (${browserMessage})`, detectedBy: 'browser' };
  if (empty && (await hasDataMarker(storeName))) {
    return {
      kind: 'total',
      message: 'its database is empty, but the mark tidemark keeps beside it says it held commits (the database was deleted)',
      detectedBy: 'marker',
    };
  }
  return undefined;
}
