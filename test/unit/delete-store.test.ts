import { afterEach, describe, expect, test } from 'vitest';
import { deleteStore } from 'tidemark/worker';
import { freshIndexedDB, open, request, todoStore } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('deleteStore', () => {
  test('closes the open store, deletes its data, and a store opened afterwards is empty', async () => {
    const def = todoStore();
    const indexedDB = freshIndexedDB();
    const store = await open(def, indexedDB);
    await store.commit({ type: 'incremented', by: 3 });

    await deleteStore(def.name, { indexedDB });
    expect(store.closedReason).toEqual(expect.any(String));
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'CLOSED' });

    const reopened = await open(def, indexedDB);
    cleanups.push(() => reopened.close());
    expect(reopened.confirmedSeq).toBe(0);
    expect(reopened.getState().count).toBe(0);
  });

  test('waits for a connection that is not tidemark’s to close, and says it is blocked meanwhile', async () => {
    const def = todoStore();
    const indexedDB = freshIndexedDB();
    const store = await open(def, indexedDB);
    await store.commit({ type: 'incremented', by: 1 });
    const foreign = await request(indexedDB.open(def.name));

    let blocked = false;
    let deleted = false;
    const deleting = deleteStore(def.name, { indexedDB, onBlocked: () => (blocked = true) }).then(() => (deleted = true));
    await expect.poll(() => blocked).toBe(true);
    expect(deleted).toBe(false);

    foreign.close();
    await deleting;
    expect(deleted).toBe(true);
  });
});
