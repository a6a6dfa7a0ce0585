import { describe, expect, test } from 'vitest';
import { defineStore, hashState, STATE_EVENT } from 'tidemark';
import { memoryRemote } from 'tidemark/worker';
import { freshIndexedDB, open, readJournal, readSnapshots, todoStore, codeOf } from './fixtures.js';


const DAY = 24 * 60 * 60_000;

describe('rewind()', () => {
  test('makes the state at toSeq current as a new commit, after a safety snapshot of kind rewind; the journal only grows', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    for (let i = 1; i <= 6; i++) await store.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    const atThree = hashState(await store.stateAt(3));
    const before = hashState(store.getState());
    const journalBefore = await readJournal(idb, 'todos');

    const result = await store.rewind(3);
    expect(result).toMatchObject({ seq: 7, toSeq: 3, safetySnapshot: { seq: 6, kind: 'rewind', hash: before } });
    expect(hashState(store.getState())).toBe(atThree);
    expect(Object.keys(store.getState().items)).toEqual(['t1', 't2', 't3']);
    // Appended, never rewritten: the records kept (the safety snapshot trimmed those behind it, as any checkpoint does) are as they were.
    const journal = await readJournal(idb, 'todos');
    expect(journal.at(-1)).toMatchObject({ seq: 7, last: 7 });
    for (const record of journal.slice(0, -1)) expect(journalBefore).toContainEqual(record);
    const page = await store.history({ limit: 1 });
    expect(page.commits[0]!.events).toEqual([expect.objectContaining({ type: STATE_EVENT, cause: 'rewind', toSeq: 3 })]);
    expect(page.commits[0]!.events[0]).not.toHaveProperty('json');
    expect((await store.rewinds()).map((s) => s.seq)).toEqual([6]);

    // Commits go on from the rewound state.
    await store.commit({ type: 'added', id: 'new', text: 'after' });
    expect(Object.keys(store.getState().items)).toEqual(['t1', 't2', 't3', 'new']);
  });

  test('rewinding to the safety snapshot undoes the rewind', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    for (let i = 1; i <= 5; i++) await store.commit({ type: 'incremented', by: i });
    const before = hashState(store.getState());
    const { safetySnapshot } = await store.rewind(1);
    expect(store.getState().count).toBe(1);
    const undo = await store.rewind(safetySnapshot!.seq);
    expect(hashState(store.getState())).toBe(before);
    expect(undo.seq).toBe(7);
    expect((await store.rewinds()).map((s) => s.seq)).toEqual([6, 5]);
  });

  test('a rewound store reloads to the same state, from the journal alone and from a later snapshot', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    let store = await open(def, idb);
    for (let i = 1; i <= 4; i++) await store.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await store.rewind(2);
    await store.commit({ type: 'incremented', by: 5 });
    const live = hashState(store.getState());
    store = await open(def, idb); // a crash: no close; the newest snapshot is the safety one, the rewind is replayed
    expect(hashState(store.getState())).toBe(live);
    expect(store.loadReport).toMatchObject({ snapshotSeq: 4, commitsReplayed: 2 });
    await store.close();
    store = await open(def, idb);
    expect(hashState(store.getState())).toBe(live);
    expect((await store.verify()).ok).toBe(true);
  });

  test('a seq outside the window fails with HISTORY_OUT_OF_RANGE and changes nothing', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore({ snapshots: 1 }), idb);
    for (let i = 1; i <= 4; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    await store.commit({ type: 'incremented', by: 1 });
    const journalBefore = await readJournal(idb, 'todos');
    const snapshotsBefore = await readSnapshots(idb, 'todos');
    expect(await codeOf(store.rewind(2))).toBe('HISTORY_OUT_OF_RANGE');
    expect(await codeOf(store.rewind(9))).toBe('HISTORY_OUT_OF_RANGE');
    expect(await readJournal(idb, 'todos')).toEqual(journalBefore);
    expect(await readSnapshots(idb, 'todos')).toEqual(snapshotsBefore);
    expect(store.confirmedSeq).toBe(5);
  });

  test('safety snapshots outlive retention.snapshots for retention.rewindMs, then are pruned; the journal is still trimmed', async () => {
    let now = 1_000_000_000;
    const idb = freshIndexedDB();
    const def = defineStore({ ...todoStore(), name: 'todos', retention: { snapshots: 2, rewindMs: 14 * DAY } });
    const store = await open(def, idb, { now: () => now });
    for (let i = 1; i <= 3; i++) await store.commit({ type: 'incremented', by: 1 });
    const { safetySnapshot } = await store.rewind(1); // safety at 3, rewind commit 4
    for (let round = 0; round < 4; round++) {
      now += DAY;
      await store.commit({ type: 'incremented', by: 10 });
      await store.checkpoint();
    }
    const kept = (await store.stats()).snapshots.map((s) => `${s.seq}:${s.kind}`);
    expect(kept).toEqual(['8:manual', '7:manual', '3:rewind']);
    expect((await store.history()).window.firstSeq).toBe(7); // the journal behind the count window is trimmed
    expect((await store.stateAt(safetySnapshot!.seq)).count).toBe(3); // the safety snapshot still stands alone
    expect(await codeOf(store.stateAt(5))).toBe('HISTORY_OUT_OF_RANGE');

    now += 14 * DAY;
    await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    expect((await store.stats()).snapshots.map((s) => s.seq)).toEqual([9, 8]);
    expect(await store.rewinds()).toEqual([]);
  });

  test('the rewind event cannot be committed by hand, nor defined as a reducer', async () => {
    const store = await open(todoStore(), freshIndexedDB());
    expect(await codeOf(store.commit({ type: STATE_EVENT, json: '{}', hash: 'x', cause: 'rewind' } as never))).toBe('UNKNOWN_EVENT');
    expect(() => defineStore({ name: 'x', initial: () => 0, events: { [STATE_EVENT]: (s: number) => s } })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
  });

  test('a rewind written by version 1 is carried to version 2 by the migration of states', async () => {
    const idb = freshIndexedDB();
    const v1 = defineStore({
      name: 'people',
      initial: () => ({ names: [] as string[] }),
      events: { named: (s, e: { name: string }) => ({ names: [...s.names, e.name] }) },
      checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    });
    const v2 = defineStore({
      name: 'people',
      version: 2,
      initial: () => ({ people: [] as string[] }),
      events: { joined: (s, e: { name: string }) => ({ people: [...s.people, e.name.toUpperCase()] }) },
      migrations: {
        2: {
          state: (old) => ({ people: (old as { names: string[] }).names.map((n) => n.toUpperCase()) }),
          event: (old) => ({ type: 'joined', name: (old as { name: string }).name }),
        },
      },
      checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    });
    const old = await open(v1, idb);
    await old.commit({ type: 'named', name: 'ada' });
    await old.commit({ type: 'named', name: 'grace' });
    await old.rewind(1);
    await old.commit({ type: 'named', name: 'alan' });
    await old.whenSaved(); // a crash: the safety snapshot (v1, seq 2) is the newest, the rewind and 'alan' are replayed
    const store = await open(v2, idb);
    expect(store.getState()).toEqual({ people: ['ADA', 'ALAN'] });
  });

  test('a fresh device hydrated from the remote replays the rewind like any commit', async () => {
    const remote = memoryRemote({ uploadDelayMs: 0, maxBackoffMs: 20 });
    const laptop = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 1; i <= 5; i++) await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await laptop.rewind(2);
    await laptop.commit({ type: 'incremented', by: 1 });
    await laptop.whenUploaded();
    const phone = await open(todoStore(), freshIndexedDB(), { remote });
    expect(phone.loadReport.source).toBe('remote');
    expect(hashState(phone.getState())).toBe(hashState(laptop.getState()));
    expect(Object.keys(phone.getState().items)).toEqual(['t1', 't2']);
    await laptop.close();
    await phone.close();
  });
});
