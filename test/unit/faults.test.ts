import { describe, expect, test } from 'vitest';
import { faultyIndexedDB } from 'tidemark/testing';
import { freshIndexedDB, open, readJournal, todoStore } from './fixtures.js';

const text = (n: number) => `${n}`.padEnd(1_000, '.');

describe('faultyIndexedDB (tidemark/testing) and what the engine makes of each fault', () => {
  test('a transaction aborted mid-commit rejects that commit with STORAGE_FAILED, writes none of it, and the next commit works', async () => {
    const real = freshIndexedDB();
    const idb = faultyIndexedDB({ indexedDB: real, abortEvery: 2 });
    const store = await open(todoStore(), idb);
    expect(await store.commit({ type: 'added', id: 'a', text: 'one' })).toEqual({ seq: 1 });
    const before = store.getState();

    // The second writing transaction is aborted: a commit of three events, none may land.
    await expect(
      store.commit({ type: 'added', id: 'b', text: 'two' }, { type: 'incremented', by: 5 }, { type: 'toggled', id: 'a' }),
    ).rejects.toMatchObject({ name: 'TidemarkError', code: 'STORAGE_FAILED' });
    expect(idb.counts.aborted).toBe(1);
    expect(store.getState()).toBe(before);
    expect((await readJournal(real, 'todos')).flatMap((r) => r.commits.map((c: { seq: number }) => c.seq))).toEqual([1]);

    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 2 });
    const reopened = await open(todoStore(), real);
    expect(reopened.getState()).toEqual({ items: { a: { text: 'one', done: false } }, count: 1 });
  });

  test('commits written together in one aborted transaction all reject, and a reload has none of them', async () => {
    const real = freshIndexedDB();
    const idb = faultyIndexedDB({ indexedDB: real, abortEvery: 1 });
    const store = await open(todoStore(), idb);
    const results = await Promise.allSettled([1, 2, 3].map((by) => store.commit({ type: 'incremented', by })));
    expect(results.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual([
      'STORAGE_FAILED',
      'STORAGE_FAILED',
      'STORAGE_FAILED',
    ]);
    expect((await open(todoStore(), real)).getState().count).toBe(0);
  });

  test('a full quota rejects the commit with QUOTA_EXCEEDED, keeps the earlier ones, and the store works again when space returns', async () => {
    const real = freshIndexedDB();
    const idb = faultyIndexedDB({ indexedDB: real, quotaBytes: 5_500 });
    const store = await open(todoStore(), idb);
    const acked: number[] = [];
    let failure: unknown;
    for (let n = 1; n <= 20 && !failure; n++) {
      await store.commit({ type: 'added', id: `t${n}`, text: text(n) }).then(
        () => acked.push(n),
        (error: unknown) => (failure = error),
      );
    }
    expect(failure).toMatchObject({ name: 'TidemarkError', code: 'QUOTA_EXCEEDED' });
    expect(acked.length).toBeGreaterThanOrEqual(4);
    expect(idb.counts.quotaExceeded).toBe(1);

    const reopened = await open(todoStore(), real);
    expect(Object.keys(reopened.getState().items)).toEqual(acked.map((n) => `t${n}`));

    idb.faults.quotaBytes = Infinity;
    expect(await store.commit({ type: 'added', id: 'after', text: 'space is back' })).toEqual({ seq: acked.length + 1 });
  });

  test('failAfter breaks every later write with STORAGE_FAILED until it is raised again', async () => {
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), failAfter: 2 });
    const store = await open(todoStore(), idb);
    await store.commit({ type: 'incremented', by: 1 });
    await store.commit({ type: 'incremented', by: 1 });
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
    expect(idb.counts.failed).toBe(2);
    idb.faults.failAfter = Infinity;
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 3 });
  });

  test('a checkpoint that meets the quota fails with QUOTA_EXCEEDED in stats(), leaves the commits intact, and succeeds once space returns', async () => {
    const real = freshIndexedDB();
    const idb = faultyIndexedDB({ indexedDB: real });
    const store = await open(todoStore(), idb);
    for (let n = 1; n <= 5; n++) await store.commit({ type: 'added', id: `t${n}`, text: text(n) });
    idb.faults.quotaBytes = idb.counts.bytes + 20; // no room for a snapshot
    await expect(store.checkpoint()).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect((await store.stats()).lastCheckpointError).toMatchObject({ code: 'QUOTA_EXCEEDED' });
    expect(Object.keys((await open(todoStore(), real)).getState().items)).toHaveLength(5);
    idb.faults.quotaBytes = Infinity;
    expect(await store.checkpoint()).toMatchObject({ seq: 5 });
    expect((await store.stats()).lastCheckpointError).toBeNull();
  });
});
