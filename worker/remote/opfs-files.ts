// Whole files in an Origin Private File System directory, written so that a
// kill mid-write is seen as "no file", never as a shorter one: each file is
//   "TMC1" | payload length (u32, big-endian) | payload
// and a file whose size does not match its length is incomplete.

const MAGIC = [0x54, 0x4d, 0x43, 0x31]; // "TMC1"
const HEAD = 8;

/** What a sync access handle offers (lib.dom has no worker-only types). */
interface SyncAccessHandle {
  truncate(size: number): void;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

type FileHandle = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };

/** The OPFS directory `path` (made when `create`), or undefined where there is no OPFS or no such directory. */
export async function opfsDirectory(path: readonly string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.getDirectory !== 'function') return undefined;
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await storage.getDirectory();
  } catch {
    return undefined; // OPFS refused (e.g. some private windows)
  }
  for (const name of path) {
    try {
      dir = await dir.getDirectoryHandle(name, { create });
    } catch (error) {
      if (!create && isDomError(error, 'NotFoundError')) return undefined;
      throw error;
    }
  }
  return dir;
}

/**
 * Writes `payload` as file `name`, replacing what is there.
 * In a worker: a sync access handle, flushed before it closes (all three engines
 * have it in dedicated workers); elsewhere a writable stream (swapped in on close).
 */
export async function writeWhole(dir: FileSystemDirectoryHandle, name: string, payload: Uint8Array): Promise<void> {
  const file = new Uint8Array(HEAD + payload.length);
  file.set(MAGIC, 0);
  new DataView(file.buffer).setUint32(4, payload.length);
  file.set(payload, HEAD);
  const handle = (await dir.getFileHandle(name, { create: true })) as FileHandle;
  if (typeof handle.createSyncAccessHandle === 'function' && typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function') {
    const access = await handle.createSyncAccessHandle();
    try {
      access.truncate(0);
      access.write(file, { at: 0 });
      access.flush();
    } finally {
      access.close();
    }
    return;
  }
  const writable = await handle.createWritable();
  await writable.write(file);
  await writable.close();
}

/** The payload of file `name`, or undefined when it does not exist or is incomplete (a write a kill cut short). */
export async function readWhole(dir: FileSystemDirectoryHandle, name: string): Promise<Uint8Array | undefined> {
  const file = await fileOf(dir, name);
  if (!file) return undefined;
  const bytes = new Uint8Array(await file.arrayBuffer());
  return isComplete(bytes, bytes.length) ? bytes.subarray(HEAD) : undefined;
}

/** True when file `name` exists and is complete; reads only its first bytes. */
export async function existsWhole(dir: FileSystemDirectoryHandle, name: string): Promise<boolean> {
  const file = await fileOf(dir, name);
  return file !== undefined && isComplete(new Uint8Array(await file.slice(0, HEAD).arrayBuffer()), file.size);
}

/** File `name` of `dir`, or undefined when there is none. */
async function fileOf(dir: FileSystemDirectoryHandle, name: string): Promise<File | undefined> {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch (error) {
    if (isDomError(error, 'NotFoundError')) return undefined;
    throw error;
  }
}

/** The names of the files in `dir`. */
export async function fileNames(dir: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind === 'file') names.push(name);
  }
  return names;
}

/** Removes file `name`; no error when it is not there. */
export async function removeFile(dir: FileSystemDirectoryHandle, name: string): Promise<void> {
  try {
    await dir.removeEntry(name);
  } catch (error) {
    if (!isDomError(error, 'NotFoundError')) throw error;
  }
}

function isComplete(head: Uint8Array, size: number): boolean {
  if (head.length < HEAD || MAGIC.some((byte, i) => head[i] !== byte)) return false;
  return size === HEAD + new DataView(head.buffer, head.byteOffset).getUint32(4);
}

export function isDomError(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
