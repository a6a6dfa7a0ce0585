// One upload round at a time per store, across the tabs of a device: a Web
// Lock where the platform has one (workers in every current browser), else
// a lock within this thread (Node), per `device`: the IndexedDB factory the
// tabs share, so simulated devices in one process do not wait for each other.

const local = new WeakMap<object, Map<string, Promise<unknown>>>();
const anyDevice = {};

/** Runs `round` while holding the store's upload lock. */
export function withUploadLock<T>(storeName: string, round: () => Promise<T>, device: object = anyDevice): Promise<T> {
  const name = `tidemark:${storeName}:upload`;
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  if (locks) return locks.request(name, round) as Promise<T>;
  let held = local.get(device);
  if (!held) local.set(device, (held = new Map()));
  const previous = held.get(name) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(round);
  held.set(name, run);
  void run.finally(() => held.get(name) === run && held.delete(name)).catch(() => {});
  return run;
}
