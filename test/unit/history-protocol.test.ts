// The history API through the page client: serveStore on one end of a
// MessageChannel, connectStore on the other (no Worker), as the protocol
// tests do. Checks what crosses the wire: states as JSON, Blobs, error codes.
import { afterEach, describe, expect, test } from 'vitest';
import { connectStore, hashState, isTidemarkError } from 'tidemark';
import { serveStore } from 'tidemark/worker';
import { freshIndexedDB, todoStore } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tab(def: ReturnType<typeof todoStore>, indexedDB: IDBFactory) {
  const channel = new MessageChannel();
  const served = serveStore(def, { endpoint: channel.port2, indexedDB, broadcast: false });
  const store = await connectStore(def, channel.port1, { checkpointOnHide: false });
  cleanups.push(async () => {
    await store.close().catch(() => {});
    await served.close().catch(() => {});
    channel.port1.close();
    channel.port2.close();
  });
  return store;
}

describe('history over the page protocol', () => {
  test('history, stateAt, verify, rewind, rewinds, exportBackup and importBackup work through connectStore', async () => {
    const store = await tab(todoStore({ name: 'proto-a' }), freshIndexedDB());
    for (let i = 1; i <= 5; i++) await store.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    expect((await store.history({ limit: 2 })).commits.map((c) => c.seq)).toEqual([5, 4]);
    expect(Object.keys((await store.stateAt(2)).items)).toEqual(['t1', 't2']);
    expect((await store.verify()).ok).toBe(true);

    // A commit made just before rewind() is saved first, and the rewind comes after it.
    void store.commit({ type: 'incremented', by: 1 });
    const rewound = await store.rewind(2);
    expect(rewound).toMatchObject({ seq: 7, toSeq: 2, safetySnapshot: { seq: 6 } });
    await expect.poll(() => store.confirmedSeq).toBe(7);
    expect(Object.keys(store.getState().items)).toEqual(['t1', 't2']);
    expect((await store.rewinds()).map((s) => s.seq)).toEqual([6]);

    const file = await store.exportBackup();
    expect(file).toBeInstanceOf(Blob);
    const other = await tab(todoStore({ name: 'proto-a' }), freshIndexedDB());
    const imported = await other.importBackup(file);
    expect(imported).toMatchObject({ mode: 'loaded', seq: 7, hash: hashState(store.getState()) });
    await expect.poll(() => other.confirmedSeq).toBe(7); // the page's mirror was reset to the import
    expect(hashState(other.getState())).toBe(hashState(store.getState()));
  });

  test('errors keep their code across the wire', async () => {
    const store = await tab(todoStore({ name: 'proto-b' }), freshIndexedDB());
    await store.commit({ type: 'incremented', by: 1 });
    const outOfRange = await store.stateAt(42).catch((e: unknown) => e);
    expect(isTidemarkError(outOfRange, 'HISTORY_OUT_OF_RANGE')).toBe(true);
    const invalid = await store.importBackup(new Blob(['nope']), { replace: true }).catch((e: unknown) => e);
    expect(isTidemarkError(invalid, 'BACKUP_INVALID')).toBe(true);
  });
});
