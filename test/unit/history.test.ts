import { describe, expect, test } from 'vitest';
import { defineStore, hashState, isTidemarkError } from 'tidemark';
import { freshIndexedDB, open, todoStore, codeOf } from './fixtures.js';


describe('history()', () => {
  test('lists the retained commits newest first, with seq, time, origin and events, in pages', async () => {
    let now = 1_000;
    const store = await open(todoStore(), freshIndexedDB(), { now: () => now });
    for (let i = 1; i <= 7; i++) {
      now += 10;
      await store.commit({ type: 'incremented', by: i });
    }
    const first = await store.history({ limit: 3 });
    expect(first.window).toEqual({ firstSeq: 0, lastSeq: 7 });
    expect(first.commits.map((c) => c.seq)).toEqual([7, 6, 5]);
    expect(first.commits[0]).toMatchObject({ at: 1_070, events: [{ type: 'incremented', by: 7 }] });
    expect(typeof first.commits[0]!.origin).toBe('string');
    expect(first.next).toBe(4);
    const second = await store.history({ fromSeq: first.next!, limit: 10 });
    expect(second.commits.map((c) => c.seq)).toEqual([4, 3, 2, 1]);
    expect(second.next).toBeNull();
  });

  test('reaches back only as far as retention keeps, and says so with HISTORY_OUT_OF_RANGE outside it', async () => {
    const store = await open(todoStore({ snapshots: 2 }), freshIndexedDB());
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5; i++) await store.commit({ type: 'incremented', by: 1 });
      await store.checkpoint();
    }
    await store.commit({ type: 'incremented', by: 1 });
    const page = await store.history({ limit: 100 });
    // Snapshots at 10 and 15 are kept; the journal before 10 is trimmed.
    expect(page.window).toEqual({ firstSeq: 10, lastSeq: 16 });
    expect(page.commits.map((c) => c.seq)).toEqual([16, 15, 14, 13, 12, 11]);
    expect(page.next).toBeNull();
    expect(await codeOf(store.history({ fromSeq: 5 }))).toBe('HISTORY_OUT_OF_RANGE');
    expect(await codeOf(store.history({ fromSeq: 17 }))).toBe('HISTORY_OUT_OF_RANGE');
    const error = await store.history({ fromSeq: 5 }).catch((e: unknown) => e);
    expect(isTidemarkError(error) && error.details).toMatchObject({ seq: 5, firstSeq: 10, lastSeq: 16 });
  });

  test('an empty store has an empty window', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    expect(await store.history()).toEqual({ commits: [], next: null, window: { firstSeq: 0, lastSeq: 0 } });
  });
});

describe('stateAt()', () => {
  test('rebuilds the state after any seq of the window, from a snapshot plus the journal, without touching the live state', async () => {
    const store = await open(todoStore({ snapshots: 3 }), freshIndexedDB());
    const expected: Record<number, string> = { 0: hashState(store.getState()) };
    for (let seq = 1; seq <= 30; seq++) {
      await store.commit({ type: 'added', id: `t${seq}`, text: `todo ${seq}` }, { type: 'incremented', by: seq });
      expected[seq] = hashState(store.getState());
      if (seq % 8 === 0) await store.checkpoint();
    }
    const live = store.getState();
    const { window } = await store.history();
    expect(window).toEqual({ firstSeq: 8, lastSeq: 30 });
    for (let seq = window.firstSeq; seq <= window.lastSeq; seq++) {
      expect(hashState(await store.stateAt(seq)), `state at ${seq}`).toBe(expected[seq]);
    }
    expect(store.getState()).toBe(live);
    expect((await store.stateAt(12)).count).toBe((12 * 13) / 2);
  });

  test('reaches seq 0 (the initial state) while the journal starts at seq 1', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    await store.commit({ type: 'incremented', by: 3 });
    expect(await store.stateAt(0)).toEqual({ items: {}, count: 0 });
    expect(await store.stateAt(1)).toEqual({ items: {}, count: 3 });
  });

  test('fails with HISTORY_OUT_OF_RANGE before the window, after the head, and for a seq that is not a whole number', async () => {
    const store = await open(todoStore({ snapshots: 1 }), freshIndexedDB());
    for (let i = 0; i < 4; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    await store.commit({ type: 'incremented', by: 1 });
    expect(await codeOf(store.stateAt(3))).toBe('HISTORY_OUT_OF_RANGE');
    expect(await codeOf(store.stateAt(6))).toBe('HISTORY_OUT_OF_RANGE');
    expect(await codeOf(store.stateAt(4.5))).toBe('HISTORY_OUT_OF_RANGE');
    expect((await store.stateAt(4)).count).toBe(4);
  });

  test('brings older-version snapshots and events through the migrations', async () => {
    const idb = freshIndexedDB();
    const v1 = defineStore({
      name: 'people',
      version: 1,
      initial: () => ({ names: [] as string[] }),
      events: { named: (s, e: { name: string }) => ({ names: [...s.names, e.name] }) },
      checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    });
    const v2 = defineStore({
      name: 'people',
      version: 2,
      initial: () => ({ people: [] as Array<{ name: string }> }),
      events: { joined: (s, e: { who: { name: string } }) => ({ people: [...s.people, e.who] }) },
      migrations: {
        2: {
          state: (old) => ({ people: (old as { names: string[] }).names.map((name) => ({ name })) }),
          event: (old) => ({ type: 'joined', who: { name: (old as { name: string }).name } }),
        },
      },
      checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    });
    const old = await open(v1, idb);
    await old.commit({ type: 'named', name: 'Ada' });
    await old.checkpoint();
    await old.commit({ type: 'named', name: 'Grace' });
    await old.whenSaved();
    const store = await open(v2, idb);
    expect(await store.stateAt(1)).toEqual({ people: [{ name: 'Ada' }] });
    expect(await store.stateAt(2)).toEqual({ people: [{ name: 'Ada' }, { name: 'Grace' }] });
  });
});
