import { seqOfKey } from './objects.js';
import { copyPath } from './opfs-copy-location.js';
import { existsWhole, fileNames, opfsDirectory, readWhole, removeFile, writeWhole } from './opfs-files.js';
import { RemoteFault, type ListOptions, type Remote, type RemotePolicy } from './remote.js';

// A second local copy of a store, outside IndexedDB: the remote backup's
// objects (snapshots and journal segments, framed and hashed) kept as files
// in the Origin Private File System. Chromium deletes an IndexedDB database it
// finds damaged after a crash; the OPFS files are another storage system and
// survive it, so the usual hydration rebuilds the store from them. Clearing
// site data, or eviction, takes both: this is no backup against that.

/** Options of `opfsRemote`. */
export interface OpfsRemoteOptions extends RemotePolicy {
  /** The store's name (`def.name`): its copy lives in OPFS at `tidemark/copies/<name>/`. */
  store: string;
  /**
   * Snapshots kept in the copy; older ones and the segments before the
   * oldest kept are deleted, so the copy stays about the size of the state
   * plus the commits since.
   * @default 2
   */
  snapshots?: number;
}

/** Defaults of an OPFS copy: copy at once, and snapshot often so the copy stays small. */
export const OPFS_COPY_POLICY: Required<Pick<RemotePolicy, 'uploadDelayMs' | 'snapshotEveryCommits' | 'snapshotCooldownMs'>> = {
  uploadDelayMs: 0,
  snapshotEveryCommits: 1000,
  snapshotCooldownMs: 10_000,
};

const DEFAULT_SNAPSHOTS = 2;

/**
 * A `Remote` in the Origin Private File System: give it to `serveStore` as
 * `remote` and the store keeps a second copy of itself on the device, which
 * rebuilds it if the browser deletes its IndexedDB database.
 *
 * Each object is one file, written whole (a sync access handle, flushed, in
 * a worker) with its length in front: a write cut short by a kill reads as
 * absent, and the uploader writes it again. One tab uploads at a time (the
 * uploader's Web Lock), and each create looks and writes under a Web Lock
 * of its key, so a key is never written twice.
 * Where there is no OPFS the copy reads as empty and writes fail with
 * `REMOTE_FAILED` in `store.remote`; the store itself works.
 */
export function opfsRemote(options: OpfsRemoteOptions): Remote {
  const { store, snapshots: kept = DEFAULT_SNAPSHOTS, ...policy } = options;
  const snapshots = Math.max(1, Math.floor(kept)); // the newest is never pruned
  const path = copyPath(store);
  const target = `opfs://${path.join('/')}/`;
  const dir = (create: boolean) => opfsDirectory(path, create);
  const fail = (what: string, error: unknown): RemoteFault => {
    if (error instanceof RemoteFault) return error;
    const name = (error as { name?: string } | null)?.name ?? 'Error';
    const message = `${what} in ${target}: ${name}: ${(error as Error | null)?.message ?? String(error)}`;
    // Out of space or forbidden will not pass by retrying soon; a file locked by another tab will.
    return new RemoteFault(name === 'QuotaExceededError' || name === 'SecurityError' || name === 'NotAllowedError' ? 'failed' : 'transient', message);
  };
  const guarded = <T>(what: string, run: () => Promise<T>): Promise<T> => run().catch((error: unknown) => Promise.reject(fail(what, error)));

  /** Keys of complete objects under `prefix`, ascending. */
  const keys = async (d: FileSystemDirectoryHandle, prefix: string): Promise<string[]> =>
    (await fileNames(d))
      .map(keyOf)
      .filter((key): key is string => key !== undefined && key.startsWith(prefix))
      .sort();

  /** After a new snapshot: drop older snapshots beyond `snapshots`, and the segments the oldest kept one covers. */
  const prune = async (d: FileSystemDirectoryHandle): Promise<void> => {
    const snaps = await keys(d, 'snap/');
    if (snaps.length <= snapshots) return;
    const oldestKept = seqOfKey(snaps[snaps.length - snapshots]!);
    // Segments are cut at snapshot seqs, so one starting at or before a snapshot ends there too.
    const segments = (await keys(d, 'log/')).filter((key) => seqOfKey(key) <= oldestKept);
    for (const key of [...snaps.slice(0, snaps.length - snapshots), ...segments]) await removeFile(d, fileOf(key));
  };

  return {
    target,
    policy: { ...OPFS_COPY_POLICY, ...policy },
    create: (key, bytes) =>
      guarded(`create ${key}`, async () => {
        const d = await dir(true);
        if (!d) throw new RemoteFault('failed', `there is no Origin Private File System here, so the local copy ${target} cannot be written`);
        // The look and the write under one lock: create-if-absent holds across tabs without the uploader's lock too.
        const created = await exclusively(`${target}${key}`, async () => {
          if (await existsWhole(d, fileOf(key))) return false;
          await writeWhole(d, fileOf(key), bytes); // replaces a file a kill left incomplete
          return true;
        });
        if (created && key.startsWith('snap/')) await prune(d).catch(() => {}); // leftovers go at the next snapshot
        return created;
      }),
    get: (key) =>
      guarded(`read ${key}`, async () => {
        const d = await dir(false);
        return d ? readWhole(d, fileOf(key)) : undefined;
      }),
    list: (prefix, { startAfter, limit }: ListOptions = {}) =>
      guarded(`list ${prefix}`, async () => {
        const d = await dir(false);
        if (!d) return [];
        const found: string[] = [];
        for (const key of await keys(d, prefix)) {
          if (startAfter !== undefined && key <= startAfter) continue;
          if (limit !== undefined && found.length >= limit) break;
          if (await existsWhole(d, fileOf(key))) found.push(key); // a write a kill cut short is not there
        }
        return found;
      }),
    delete: (key) =>
      guarded(`delete ${key}`, async () => {
        const d = await dir(false);
        if (d) await removeFile(d, fileOf(key));
      }),
  };
}

/** Runs `fn` under a Web Lock named after `name` where there are Web Locks (workers and pages of every current browser). */
function exclusively<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  return locks ? (locks.request(`tidemark:create:${name}`, fn) as Promise<T>) : fn();
}

// Keys hold '/', which file names cannot.
const fileOf = (key: string) => encodeURIComponent(key);
function keyOf(name: string): string | undefined {
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined; // not one of ours
  }
}
