import { describe, expect, test, vi } from 'vitest';
import { hashState, isTidemarkError } from 'tidemark';
import { freshIndexedDB, open, readJournal, rejection, todoStore } from './fixtures.js';


describe('commit', () => {
  test('applies all events of a commit and resolves with its seq once written', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    const result = await store.commit({ type: 'added', id: 'a', text: 'milk' }, { type: 'incremented', by: 3 });
    expect(result).toEqual({ seq: 1 });
    expect(store.getState()).toEqual({ items: { a: { text: 'milk', done: false } }, count: 3 });
  });

  test('invariant 2 and 4: a reducer throwing on the 3rd of 5 events applies none, writes nothing, and the next commit works', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    await store.commit({ type: 'added', id: 'a', text: 'milk' });
    const before = store.getState();
    const journalBefore = await readJournal(idb, 'todos');

    const error = await rejection(
      store.commit(
        { type: 'incremented', by: 1 },
        { type: 'added', id: 'b', text: 'bread' },
        { type: 'toggled', id: 'missing' },
        { type: 'incremented', by: 1 },
        { type: 'added', id: 'c', text: 'eggs' },
      ),
    );
    expect(error.code).toBe('REDUCER_THREW');
    expect(error.details.eventIndex).toBe(2);
    expect((error.cause as Error).message).toBe('no todo missing');
    expect(store.getState()).toBe(before);
    expect(await readJournal(idb, 'todos')).toEqual(journalBefore);

    expect(await store.commit({ type: 'incremented', by: 5 })).toEqual({ seq: 2 });
    expect(store.getState().count).toBe(5);
  });

  test('an unknown event type is rejected with UNKNOWN_EVENT and nothing is written', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    // @ts-expect-error: 'renamed' is not an event of this store
    const error = await rejection(store.commit({ type: 'incremented', by: 1 }, { type: 'renamed', id: 'a' }));
    expect(error.code).toBe('UNKNOWN_EVENT');
    expect(error.details).toMatchObject({ eventIndex: 1, type: 'renamed' });
    expect(store.getState().count).toBe(0);
    expect(await readJournal(idb, 'todos')).toEqual([]);
  });

  test.each([
    ['a Date', { when: new Date(0) }, '.when', 'Date'],
    ['undefined', { nested: { gone: undefined } }, '.nested.gone', 'undefined'],
    ['NaN', { list: [1, Number.NaN] }, '.list[1]', 'NaN'],
    ['a Map', { map: new Map() }, '.map', 'Map'],
    ['a function', { f: () => 1 }, '.f', 'function'],
    ['-0', { at: { x: -0 } }, '.at.x', '-0'],
  ])('a value holding %s is rejected with NOT_PLAIN_DATA naming its path', async (_name, extra, path, found) => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    const error = await rejection(store.commit({ type: 'added', id: 'a', text: 'x', ...extra } as never));
    expect(error.code).toBe('NOT_PLAIN_DATA');
    expect(error.details).toMatchObject({ eventIndex: 0, path, found });
    expect(error.message).toContain(path);
    expect(await readJournal(idb, 'todos')).toEqual([]);
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 1 });
  });

  test('a cyclic value is rejected with NOT_PLAIN_DATA', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const error = await rejection(store.commit({ type: 'added', id: 'a', text: 'x', cyclic } as never));
    expect(error.code).toBe('NOT_PLAIN_DATA');
    expect(error.details.found).toBe('a cycle');
  });

  test('1000 un-awaited commits all resolve, in order, packed into far fewer journal records', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    const order: number[] = [];
    const commits = Array.from({ length: 1000 }, (_, i) =>
      store.commit({ type: 'incremented', by: 1 }).then((result) => {
        order.push(i);
        return result.seq;
      }),
    );
    const seqs = await Promise.all(commits);
    expect(seqs).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(store.getState().count).toBe(1000);
    const journal = await readJournal(idb, 'todos');
    expect(journal.length).toBeLessThan(20);
    expect(journal.flatMap((r) => r.commits).length).toBe(1000);
  });

  test('commits that fail inside a group do not take the others down with them', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    const results = await Promise.allSettled([
      store.commit({ type: 'incremented', by: 1 }),
      store.commit({ type: 'failed', why: 'nope' }),
      store.commit({ type: 'incremented', by: 10 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[2]).toEqual({ status: 'fulfilled', value: { seq: 2 } });
    expect(store.getState().count).toBe(11);
  });

  test('relaxed durability commits resolve and survive a reopen like strict ones', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb, { durability: 'relaxed' });
    await store.commit({ type: 'incremented', by: 2 });
    await store.commitWith({ durability: 'strict' }, { type: 'incremented', by: 3 });
    await store.close();
    expect((await open(def, idb)).getState().count).toBe(5);
  });

  test('invariant 1: acknowledged commits survive when the store is never closed (a crash)', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const crashed = await open(def, idb);
    await Promise.all(Array.from({ length: 50 }, (_, i) => crashed.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` })));
    const live = crashed.getState();
    // No close(): no final checkpoint; only what the journal acknowledged.
    const reopened = await open(def, idb);
    expect(reopened.getState()).toEqual(live);
    expect(hashState(reopened.getState())).toBe(hashState(live));
  });

  test('reopening after close gives an equal state', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb);
    await store.commit({ type: 'added', id: 'a', text: 'milk' });
    await store.commit({ type: 'toggled', id: 'a' }, { type: 'incremented', by: 7 });
    const live = store.getState();
    await store.close();
    const again = await open(def, idb);
    expect(again.getState()).toEqual(live);
    expect((await again.stats()).hash).toBe(hashState(live));
  });

  test('a closed store rejects commits with CLOSED', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    await store.close();
    expect((await rejection(store.commit({ type: 'incremented', by: 1 }))).code).toBe('CLOSED');
  });

  test('invariant 4: a full disk rejects the commit with QUOTA_EXCEEDED, keeps what was committed, and later commits work', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb);
    await store.commit({ type: 'incremented', by: 1 });
    // fake-indexeddb cannot run out of space: make the next journal write fail the way Chromium does.
    const add = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementationOnce(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const error = await rejection(store.commit({ type: 'incremented', by: 100 }));
    add.mockRestore();
    expect(error.code).toBe('QUOTA_EXCEEDED');
    expect(isTidemarkError(error, 'QUOTA_EXCEEDED')).toBe(true);
    expect(store.getState().count).toBe(1);
    expect(await store.commit({ type: 'incremented', by: 2 })).toEqual({ seq: 2 });
    await store.close();
    expect((await open(def, idb)).getState().count).toBe(3);
  });

  test('pendingCommits counts commits not yet durable and whenSaved waits for them', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    const commits = [store.commit({ type: 'incremented', by: 1 }), store.commit({ type: 'incremented', by: 1 })];
    expect(store.pendingCommits).toBe(2);
    await store.whenSaved();
    expect(store.pendingCommits).toBe(0);
    await Promise.all(commits);
  });
});
