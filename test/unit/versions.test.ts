import { describe, expect, test } from 'vitest';
import { defineStore } from 'tidemark';
import { freshIndexedDB, open, readJournal, readSnapshots } from './fixtures.js';

// Version 1 stores a list of names; version 2 splits first and last name;
// version 3 adds a `by` to every increment.
const v1 = defineStore({
  name: 'people',
  version: 1,
  initial: () => ({ names: [] as string[], count: 0 }),
  events: {
    named: (s, e: { name: string }) => ({ ...s, names: [...s.names, e.name] }),
    counted: (s) => ({ ...s, count: s.count + 1 }),
  },
});

type V2State = { people: Array<{ first: string; last: string }>; count: number };
const v2Migration = {
  state: (old: { names: string[]; count: number }): V2State => ({
    people: old.names.map((n) => ({ first: n.split(' ')[0]!, last: n.split(' ')[1] ?? '' })),
    count: old.count,
  }),
  event: (old: { type: string; name?: string }) =>
    old.type === 'named' ? { type: 'added', first: old.name!.split(' ')[0], last: old.name!.split(' ')[1] ?? '' } : old,
};

const v3 = defineStore({
  name: 'people',
  version: 3,
  initial: (): V2State => ({ people: [], count: 0 }),
  events: {
    added: (s, e: { first: string; last: string }) => ({ ...s, people: [...s.people, { first: e.first, last: e.last }] }),
    counted: (s, e: { by: number }) => ({ ...s, count: s.count + e.by }),
  },
  migrations: {
    2: v2Migration,
    3: { event: (old: { type: string }) => (old.type === 'counted' ? { ...old, by: 1 } : old) },
  },
});

describe('versions and migrations', () => {
  test('every journal record and snapshot carries the store version', async () => {
    const idb = freshIndexedDB();
    const store = await open(v1, idb);
    await store.commit({ type: 'named', name: 'Ada Lovelace' });
    await store.checkpoint();
    expect((await readJournal(idb, 'people'))[0].version).toBe(1);
    expect((await readSnapshots(idb, 'people'))[0].version).toBe(1);
  });

  test('a two-step migration brings a version-1 snapshot and journal to version 3, and writes a fresh snapshot', async () => {
    const idb = freshIndexedDB();
    const old = await open(v1, idb);
    await old.commit({ type: 'named', name: 'Ada Lovelace' }, { type: 'counted' });
    await old.checkpoint(); // v1 snapshot at seq 1
    await old.commit({ type: 'named', name: 'Grace Hopper' }, { type: 'counted' }); // v1 journal after it
    await old.whenSaved();

    const store = await open(v3, idb);
    expect(store.getState()).toEqual({
      people: [
        { first: 'Ada', last: 'Lovelace' },
        { first: 'Grace', last: 'Hopper' },
      ],
      count: 2,
    });
    expect(store.loadReport.migratedFrom).toBe(1);
    const [fresh] = (await store.stats()).snapshots;
    expect(fresh).toMatchObject({ seq: 2, version: 3, kind: 'manual' });

    await store.commit({ type: 'counted', by: 5 });
    await store.close();
    const again = await open(v3, idb);
    expect(again.getState().count).toBe(7);
    expect(again.loadReport.migratedFrom).toBeUndefined();
  });

  test('data written by a newer version fails with VERSION_AHEAD and is left untouched', async () => {
    const idb = freshIndexedDB();
    const newer = await open(v3, idb);
    await newer.commit({ type: 'added', first: 'Ada', last: 'L' });
    await newer.close();
    const journalBefore = await readJournal(idb, 'people');
    const snapshotsBefore = await readSnapshots(idb, 'people');

    await expect(open(v1, idb)).rejects.toMatchObject({ code: 'VERSION_AHEAD', details: { dataVersion: 3, codeVersion: 1 } });
    expect(await readJournal(idb, 'people')).toEqual(journalBefore);
    expect(await readSnapshots(idb, 'people')).toEqual(snapshotsBefore);
  });

  test('a journal record from a newer version also fails with VERSION_AHEAD', async () => {
    const idb = freshIndexedDB();
    const newer = await open(v3, idb);
    await newer.commit({ type: 'added', first: 'Ada', last: 'L' });
    await newer.whenSaved(); // no snapshot: the journal alone is ahead
    await expect(open(v1, idb)).rejects.toMatchObject({ code: 'VERSION_AHEAD' });
  });

  test('a missing migration step fails with MIGRATION_MISSING naming the step', async () => {
    const idb = freshIndexedDB();
    const old = await open(v1, idb);
    await old.commit({ type: 'counted' });
    await old.close();
    const gappy = defineStore({ ...v3, version: 3, migrations: { 3: v3.migrations[3]! } });
    await expect(open(gappy, idb)).rejects.toMatchObject({ code: 'MIGRATION_MISSING', details: { from: 1, missing: 2 } });
  });
});
