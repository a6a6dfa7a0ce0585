// Locks across the tabs of a device: a Web Lock where the platform has one
// (workers in every current browser), else a lock within this thread, per
// `device`: the IndexedDB factory the tabs share, so simulated devices in
// one process (Node's tests) do not wait for each other.

const local = new WeakMap<object, Map<string, Promise<unknown>>>();
const anyDevice = {};

function webLocks(): LockManager | undefined {
  return (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
}

/** Runs `run` while holding the lock `name`; released when it settles. */
export function withDeviceLock<T>(name: string, run: () => Promise<T>, device: object = anyDevice): Promise<T> {
  const locks = webLocks();
  if (locks) return locks.request(name, run) as Promise<T>;
  let held = local.get(device);
  if (!held) local.set(device, (held = new Map()));
  const previous = held.get(name) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(run);
  held.set(name, next);
  void next.finally(() => held.get(name) === next && held.delete(name)).catch(() => {});
  return next;
}

/**
 * True when a lock excludes every other writer of the device's IndexedDB:
 * with Web Locks, or in Node, whose IndexedDB (fake-indexeddb) lives in
 * this thread alone. A browser without Web Locks has only the thread lock,
 * which other tabs cannot see.
 */
export function locksExcludeOtherTabs(): boolean {
  if (webLocks()) return true;
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return typeof node === 'string' && !('window' in globalThis) && !('WorkerGlobalScope' in globalThis);
}

/** One upload (or sync) round at a time per store, across the tabs of a device. */
export function withUploadLock<T>(storeName: string, round: () => Promise<T>, device?: object): Promise<T> {
  return withDeviceLock(`tidemark:${storeName}:upload`, round, device);
}
