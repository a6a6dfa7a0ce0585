import type { StorageStats } from '../src/types.js';

/**
 * How much the origin stores, how much it may, and whether its data is
 * persistent, from `navigator.storage.estimate()` and `persisted()` (both
 * exposed to workers). A field is null where the browser does not say: no
 * StorageManager (Node, an insecure context), or the call failed.
 */
export async function readStorage(): Promise<StorageStats> {
  const storage = globalThis.navigator?.storage;
  const [estimate, persisted] = await Promise.all([
    typeof storage?.estimate === 'function' ? storage.estimate().catch(() => undefined) : undefined,
    typeof storage?.persisted === 'function' ? storage.persisted().catch(() => null) : null,
  ]);
  return { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted };
}
