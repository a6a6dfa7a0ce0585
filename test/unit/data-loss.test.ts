import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { connectStore } from 'tidemark';
import { faultyIndexedDB } from 'tidemark/testing';
import { serveStore } from 'tidemark/worker';
import { hasDataMarker } from '../../worker/data-marker.js';
import { freshIndexedDB, open, todoStore } from './fixtures.js';
import { memoryOpfs } from './memory-opfs.js';

const chromiumSays = 'IndexedDB (database was corrupt): Unknown corruption';

// Chromium's own wipe is tested for real in the browser suite (the kill loop);
// here faultyIndexedDB plays the browser that reports `dataLoss` on open.
describe('a database the browser reports as wiped (upgradeneeded with dataLoss)', () => {
  test('openStore rejects with DATA_LOST, carrying the browser message, instead of opening an empty store as new', async () => {
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const error = await open(todoStore(), idb).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TidemarkError', code: 'DATA_LOST', details: { kind: 'total', detectedBy: 'browser' } });
    expect((error as Error).message).toContain(chromiumSays);
    expect(idb.counts.dataLoss).toBe(1);
  });

  test("onDataLoss: 'open-empty' opens the empty store and reports the loss in loadReport.dataLoss; commits work", async () => {
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const store = await open(todoStore(), idb, { onDataLoss: 'open-empty' });
    expect(store.loadReport.dataLoss).toEqual({ kind: 'total', message: expect.stringContaining(chromiumSays), detectedBy: 'browser' });
    expect(store.getState()).toEqual({ items: {}, count: 0 });
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 1 });
    expect((await store.stats()).load.dataLoss?.kind).toBe('total');
  });

  test('a new database with no dataLoss is a new store: nothing reported', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    expect(store.loadReport.dataLoss).toBeUndefined();
  });

  test('connectStore rejects with DATA_LOST through the worker; the same worker then connects with open-empty and reports it', async () => {
    const def = todoStore({ name: 'lost-through-worker' });
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const channel = new MessageChannel();
    const served = serveStore(def, { endpoint: channel.port2, indexedDB: idb, broadcast: false });
    try {
      await expect(connectStore(def, channel.port1, { checkpointOnHide: false })).rejects.toMatchObject({
        name: 'TidemarkError',
        code: 'DATA_LOST',
        details: { detectedBy: 'browser' },
      });
      const store = await connectStore(def, channel.port1, { checkpointOnHide: false, onDataLoss: 'open-empty' });
      expect(store.loadReport.dataLoss).toMatchObject({ kind: 'total', detectedBy: 'browser' });
      expect(await store.commit({ type: 'incremented', by: 2 })).toEqual({ seq: 1 });
      await store.close();
    } finally {
      await served.close();
      channel.port1.close();
      channel.port2.close();
    }
  });
});

describe('where the mark is kept (OPFS): the browser says it once, to whichever database opens first', () => {
  beforeEach(() => void vi.stubGlobal('navigator', memoryOpfs().navigator));
  afterEach(() => void vi.unstubAllGlobals());

  /** A store with a commit, and the mark that says so. */
  async function written(name: string) {
    const def = todoStore({ name });
    const store = await open(def, freshIndexedDB());
    await store.commit({ type: 'incremented', by: 1 });
    await expect.poll(() => hasDataMarker(name)).toBe(true);
    await store.close();
    return def;
  }

  test('a new store that hears of a wipe opens as new, and the wiped store finds its mark', async () => {
    const wiped = await written('wiped');
    // The origin's databases are gone; the next open, a new store's, is told.
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const fresh = await open(todoStore({ name: 'new' }), idb);
    expect(idb.counts.dataLoss).toBe(1);
    expect(fresh.loadReport.dataLoss).toBeUndefined();
    await fresh.close();
    await expect(open(wiped, idb)).rejects.toMatchObject({ code: 'DATA_LOST', details: { detectedBy: 'marker' } });
  });

  test("a store with its mark that hears of the wipe reports it in the browser's words", async () => {
    const wiped = await written('wiped-first');
    const idb = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const error = await open(wiped, idb).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATA_LOST', details: { detectedBy: 'browser' } });
    expect((error as Error).message).toContain(chromiumSays);
  });
});
