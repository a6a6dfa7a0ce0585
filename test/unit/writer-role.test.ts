import { afterEach, describe, expect, test, vi } from 'vitest';
import { hashState } from 'tidemark';
import { freshIndexedDB, open, readJournal, todoStore } from './fixtures.js';

// The writer role (worker/writer-role.ts): the tab holding it appends without
// reading the journal's tail first. Engines on one IndexedDB factory stand in
// for tabs; Node's lock for them is the in-thread one (device-lock.ts).

/** Counts reads of the journal's tail (getAll on an object store) while `run` runs. */
async function tailReadsDuring(run: () => Promise<unknown>): Promise<number> {
  const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll');
  try {
    await run();
    return getAll.mock.calls.length;
  } finally {
    getAll.mockRestore();
  }
}

/** A BroadcastChannel that reaches nobody: a tab whose messages a frozen holder never hears. */
class DeafChannel extends EventTarget {
  onmessage: ((event: MessageEvent) => void) | null = null;
  postMessage(): void {}
  close(): void {}
  unref(): void {}
}

afterEach(() => vi.unstubAllGlobals());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the writer role', () => {
  test('a lone tab appends without reading the tail once it holds the role', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    await store.commit({ type: 'incremented', by: 1 }); // asks for the role; this one reads
    await sleep(0);
    const reads = await tailReadsDuring(async () => {
      for (let i = 0; i < 20; i++) await store.commit({ type: 'incremented', by: 1 });
    });
    expect(reads).toBeLessThanOrEqual(1); // the first append after the grant reads once
    expect(store.getState().count).toBe(21);
    expect((await readJournal(idb, 'todos')).map((r) => r.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  test('the holder lets go when another tab asks, and that tab then appends without reading', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const a = await open(def, idb);
    const b = await open(def, idb);
    await a.commit({ type: 'incremented', by: 1 });
    await b.commit({ type: 'incremented', by: 1 }); // reads; asks A to let go
    await vi.waitFor(async () => {
      await b.commit({ type: 'incremented', by: 0 });
      expect(await tailReadsDuring(() => b.commit({ type: 'incremented', by: 1 }))).toBe(0);
    });
    await a.commit({ type: 'incremented', by: 1 }); // A reads: it learns of B's commits
    await b.commit({ type: 'incremented', by: 0 });
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
  });

  test("a holder that missed another tab's commits finds out at its next append: nobody trimmed the record it collides with", async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 1 });
    const a = await open(def, idb);
    for (let i = 0; i < 3; i++) await a.commit({ type: 'added', id: `a${i}`, text: 'a' });
    await sleep(0);
    expect(await tailReadsDuring(() => a.commit({ type: 'added', id: 'a3', text: 'a' }))).toBe(0); // A holds the role

    // B's messages never reach A, as with a frozen holder: A does not let go, nor hear of B's commits.
    vi.stubGlobal('BroadcastChannel', DeafChannel);
    const b = await open(def, idb);
    vi.unstubAllGlobals();
    for (let i = 0; i < 6; i++) {
      await b.commit({ type: 'added', id: `b${i}`, text: 'b' });
      await b.checkpoint(); // retention 1: it would trim all but the newest record, were B allowed to
    }
    expect((await readJournal(idb, def.name))[0]!.seq).toBe(1);
    // A checkpoints at its stale seq 4: B's newer snapshot is the one kept, but A trims only through 4,
    // so B's record at 5, where A appends next, stays.
    await a.checkpoint();
    expect((await readJournal(idb, def.name))[0]!.seq).toBe(5);

    // A appends at its seq + 1 unread: the record B wrote there makes it read, and apply B's commits first.
    await a.commit({ type: 'added', id: 'a4', text: 'a' });
    const commits = (await readJournal(idb, def.name)).flatMap((record) => record.commits);
    expect(commits.map((commit) => commit.seq)).toEqual(Array.from({ length: 7 }, (_, i) => i + 5));
    expect(commits.map((commit) => commit.events[0].id)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'a4']);
    expect(Object.keys(a.getState().items)).toEqual(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'a4']);
    await b.commit({ type: 'incremented', by: 0 });
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
  });

  test('a lone holder trims the journal as retention says', async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 1 });
    const a = await open(def, idb);
    for (let i = 0; i < 5; i++) {
      await a.commit({ type: 'added', id: `a${i}`, text: 'a' });
      await a.checkpoint();
    }
    // All but the newest record, as without the role.
    expect((await readJournal(idb, def.name)).map((record) => record.seq)).toEqual([5]);
  });
});
