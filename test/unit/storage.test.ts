// Persistent storage and quota where there is no StorageManager (Node), and
// with a stand-in one: stats().storage reports what the browser says, and
// persistOnFirstCommit asks once, at the first commit, only when set.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { openStore } from 'tidemark/worker';
import { freshIndexedDB, open, todoStore } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  vi.unstubAllGlobals();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A StorageManager stand-in that counts persist() calls and grants them. */
function stubStorageManager() {
  const storage = {
    persistCalls: 0,
    granted: false,
    estimate: async () => ({ usage: 1234, quota: 5_000_000 }),
    persisted: async () => storage.granted,
    persist: async () => {
      storage.persistCalls++;
      storage.granted = true;
      return true;
    },
  };
  vi.stubGlobal('navigator', { storage });
  return storage;
}

describe('storage stats and persistence', () => {
  test('report null usage, quota and persisted in Node, where no StorageManager exists', async () => {
    expect(globalThis.navigator?.storage).toBeUndefined();
    const store = await open(todoStore(), freshIndexedDB());
    cleanups.push(() => store.close());
    await store.commit({ type: 'incremented', by: 1 });
    expect((await store.stats()).storage).toEqual({ usage: null, quota: null, persisted: null });
    expect(await store.persist()).toBe(false);
  });

  test("report the browser's estimate and persisted flag, and persist() asks the browser", async () => {
    const storage = stubStorageManager();
    const store = await open(todoStore(), freshIndexedDB());
    cleanups.push(() => store.close());
    expect((await store.stats()).storage).toEqual({ usage: 1234, quota: 5_000_000, persisted: false });
    expect(await store.persist()).toBe(true);
    expect(storage.persistCalls).toBe(1);
    expect((await store.stats()).storage.persisted).toBe(true);
  });

  test('never ask for persistence by themselves unless persistOnFirstCommit is set', async () => {
    const storage = stubStorageManager();
    const store = await open(todoStore(), freshIndexedDB());
    cleanups.push(() => store.close());
    await store.commit({ type: 'incremented', by: 1 });
    await store.commit({ type: 'incremented', by: 1 });
    expect(storage.persistCalls).toBe(0);
  });

  test('with persistOnFirstCommit, ask once, synchronously inside the first commit', async () => {
    const storage = stubStorageManager();
    const store = await openStore(todoStore(), { indexedDB: freshIndexedDB(), persistOnFirstCommit: true });
    cleanups.push(() => store.close());
    expect(storage.persistCalls).toBe(0);
    const first = store.commit({ type: 'incremented', by: 1 });
    expect(storage.persistCalls).toBe(1); // in the commit's own task, so a click's user activation counts
    await first;
    await store.commitWith({ durability: 'relaxed' }, { type: 'incremented', by: 1 });
    expect(storage.persistCalls).toBe(1);
    expect((await store.stats()).storage.persisted).toBe(true);
  });

  test('resolve persist() with false when the browser throws, instead of rejecting', async () => {
    vi.stubGlobal('navigator', { storage: { persist: () => Promise.reject(new DOMException('no', 'InvalidStateError')) } });
    const store = await open(todoStore(), freshIndexedDB());
    cleanups.push(() => store.close());
    expect(await store.persist()).toBe(false);
    expect((await store.stats()).storage).toEqual({ usage: null, quota: null, persisted: null });
  });
});
