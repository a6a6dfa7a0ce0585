// Persistent storage, asked for on the page: `navigator.storage.persist()` is
// exposed to windows only, never to workers, so the page (or openStore's own
// thread) asks, and the worker only reads the answer (worker/storage-estimate.ts).

/**
 * Asks the browser to keep this origin's data under storage pressure
 * (`navigator.storage.persist()`), and resolves with whether it is persistent
 * now. Resolves false where the API is missing (Node, an insecure context) or
 * throws; never rejects.
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = globalThis.navigator?.storage;
  if (typeof storage?.persist !== 'function') return false;
  try {
    return await storage.persist();
  } catch {
    return false;
  }
}

/**
 * What `persistOnFirstCommit` does: returns a function to call synchronously
 * at the start of every commit, which asks for persistence the first time
 * only, and only if `enabled`. Synchronously, so the commit's user gesture
 * (a click) still counts when the browser decides or prompts.
 */
export function persistOnce(enabled: boolean): () => void {
  let asked = !enabled;
  return () => {
    if (asked) return;
    asked = true;
    void requestPersistence();
  };
}
