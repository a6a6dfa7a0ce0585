// One upload round at a time per store, across the tabs of a device: a Web
// Lock where the platform has one (workers in every current browser), else
// a lock within this thread (Node).

const local = new Map<string, Promise<unknown>>();

/** Runs `round` while holding the store's upload lock. */
export function withUploadLock<T>(storeName: string, round: () => Promise<T>): Promise<T> {
  const name = `tidemark:${storeName}:upload`;
  const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;
  if (locks) return locks.request(name, round) as Promise<T>;
  const previous = local.get(name) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(round);
  local.set(name, run);
  void run.finally(() => local.get(name) === run && local.delete(name)).catch(() => {});
  return run;
}
