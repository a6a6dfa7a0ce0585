// The worker side of the smoke page: owns an IndexedDB database through idb
// and answers the page's calls over postMessage, as tidemark's worker does.
import { openDB, type DBSchema } from 'idb';

export interface SmokeRecord {
  id: string;
  text: string;
  count: number;
}

interface SmokeSchema extends DBSchema {
  records: { key: string; value: SmokeRecord };
}

const db = openDB<SmokeSchema>('tidemark-smoke', 1, {
  upgrade(database) {
    database.createObjectStore('records', { keyPath: 'id' });
  },
});

const api = {
  /** The global scope's class name, so the test can tell a real worker from the page. */
  scope(): string {
    return self.constructor.name;
  },
  /** Resolves once the transaction has completed, not merely when the request succeeded. */
  async put(record: SmokeRecord): Promise<void> {
    const tx = (await db).transaction('records', 'readwrite');
    await Promise.all([tx.store.put(record), tx.done]);
  },
  async get(id: string): Promise<SmokeRecord | undefined> {
    return (await db).get('records', id);
  },
  async count(): Promise<number> {
    return (await db).count('records');
  },
};

export type SmokeApi = typeof api;

/** A call from the page: `{ id, method, args }`, answered with `{ id, value }` or `{ id, error }`. */
self.onmessage = async (event: MessageEvent<{ id: number; method: keyof SmokeApi; args: unknown[] }>) => {
  const { id, method, args } = event.data;
  try {
    self.postMessage({ id, value: await (api[method] as (...a: unknown[]) => unknown)(...args) });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
