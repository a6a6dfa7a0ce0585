import { afterEach, describe, expect, test } from 'vitest';
import { freshIndexedDB, open, todoStore } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function opened() {
  const store = await open(todoStore(), freshIndexedDB());
  cleanups.push(() => store.close());
  return store;
}

describe("openStore's store", () => {
  test('has no pending commits once commit() has resolved', async () => {
    const store = await opened();
    const commit = store.commit({ type: 'added', id: 'a', text: 'milk' });
    expect(store.pendingCommits).toBe(1);
    await commit;
    expect(store.pendingCommits).toBe(0);
  });

  test('tells listeners of a commit with pendingCommits already down', async () => {
    const store = await opened();
    const seen: number[] = [];
    store.subscribe(() => seen.push(store.pendingCommits));
    await store.commit({ type: 'incremented', by: 1 });
    expect(seen).toEqual([0]);
  });

  test('has the confirmed state and seq, and a closedReason once closed, like the page store', async () => {
    const store = await opened();
    expect(store.confirmedSeq).toBe(0);
    await store.commit({ type: 'incremented', by: 2 });
    expect(store.confirmedSeq).toBe(1);
    expect(store.getConfirmedState()).toEqual(store.getState());
    expect(store.getConfirmedState().count).toBe(2);
    expect(store.closedReason).toBeNull();
    await store.close();
    expect(store.closedReason).toEqual(expect.any(String));
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
