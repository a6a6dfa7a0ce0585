import { describe, expect, test } from 'vitest';
import { connectStore, defineStore } from 'tidemark';
import { serveStore } from 'tidemark/worker';
import { freshIndexedDB, open, readJournal, readSnapshots, rejection } from './fixtures.js';

class Point {
  constructor(readonly x: number) {}
}

/** What a reducer can put in the state that JSON does not give back, by name. */
const notPlain = {
  map: () => new Map([['a', 1]]),
  hole: () => [1, , 3], // eslint-disable-line no-sparse-arrays
  undefinedInObject: () => ({ kept: 1, u: undefined }),
  negativeZero: () => ({ total: -0 }),
  nan: () => ({ ratio: Number.NaN }),
  classInstance: () => new Point(1),
  date: () => new Date(0), // JSON.stringify turns it into a string before a replacer sees it
  cycle: () => {
    const node: Record<string, unknown> = { name: 'loop' };
    node.self = node;
    return node;
  },
};
type Kind = keyof typeof notPlain;

/** A form store, shaped like redux-form's: reducers set field values from plain events. */
function formStore(options: { devChecks: boolean; everyEvents?: number; name?: string }) {
  return defineStore({
    name: options.name ?? 'form',
    initial: () => ({ fields: {} as Record<string, unknown>, submits: 0 }),
    events: {
      changed: (s, e: { field: string; value: string }) => ({ ...s, fields: { ...s.fields, [e.field]: e.value } }),
      /** Puts a value JSON does not keep into the state, as a buggy reducer would. */
      broke: (s, e: { field: string; kind: Kind }) => ({ ...s, fields: { ...s.fields, [e.field]: notPlain[e.kind]() } }),
      /** Mutates the state it was given, and returns it. */
      submittedInPlace: (s) => {
        s.submits += 1;
        return s;
      },
    },
    checkpoint: { everyEvents: options.everyEvents ?? 1_000_000, everyMs: 1e12, cooldownMs: 0 },
    devChecks: options.devChecks,
  });
}


const jsonCases: Array<[Kind, string, string]> = [
  ['map', '.fields.city', 'Map'],
  ['hole', '.fields.city[1]', 'a hole in an array'],
  ['undefinedInObject', '.fields.city.u', 'undefined'],
  ['negativeZero', '.fields.city.total', '-0'],
  ['nan', '.fields.city.ratio', 'NaN'],
  ['classInstance', '.fields.city', 'Point'],
  ['date', '.fields.city', 'Date'],
];
// A cycle cannot even be hashed or sent to a page; devChecks catch it at its commit.
const cases: Array<[Kind, string, string]> = [...jsonCases, ['cycle', '.fields.city.self', 'a cycle']];

describe('the checkpoint validates the state it writes (production: no devChecks)', () => {
  test.each(jsonCases)('a state holding a %s is refused by checkpoint() with NOT_PLAIN_DATA at %s, and the commit stays durable', async (kind, path, found) => {
    const idb = freshIndexedDB();
    const def = formStore({ devChecks: false });
    const store = await open(def, idb);
    await store.commit({ type: 'changed', field: 'name', value: 'Ada' });
    expect(await store.commit({ type: 'broke', field: 'city', kind })).toEqual({ seq: 2 });

    const error = await rejection(store.checkpoint());
    expect(error.code).toBe('NOT_PLAIN_DATA');
    expect(error.details).toMatchObject({ path, found });
    expect(error.message).toContain(path);
    const stats = await store.stats();
    expect(stats.lastCheckpointError).toMatchObject({ code: 'NOT_PLAIN_DATA', details: { path, found } });
    expect(stats.snapshots).toEqual([]);
    expect(await readSnapshots(idb, 'form')).toEqual([]);
    // Committed data is intact: the journal holds both commits, and a reload replays them.
    expect((await readJournal(idb, 'form')).flatMap((r) => r.commits.map((c: { seq: number }) => c.seq))).toEqual([1, 2]);
    const reopened = await open(def, idb);
    expect(reopened.getState().fields.name).toBe('Ada');
    expect((await reopened.stats()).seq).toBe(2);
    expect(await reopened.commit({ type: 'changed', field: 'name', value: 'Grace' })).toEqual({ seq: 3 });
  });

  test('a periodic checkpoint that fails validation is reported in stats().lastCheckpointError with the path, and commits go on', async () => {
    const store = await open(formStore({ devChecks: false, everyEvents: 1 }), freshIndexedDB());
    await store.commit({ type: 'broke', field: 'when', kind: 'map' });
    await expect.poll(async () => (await store.stats()).lastCheckpointError).toMatchObject({
      code: 'NOT_PLAIN_DATA',
      details: { path: '.fields.when', found: 'Map' },
    });
    expect(await store.commit({ type: 'changed', field: 'name', value: 'Ada' })).toEqual({ seq: 2 });
  });

  test('a plain state with a Date-free, hole-free shape still checkpoints', async () => {
    const store = await open(formStore({ devChecks: false }), freshIndexedDB());
    await store.commit({ type: 'changed', field: 'name', value: 'Ada' });
    expect(await store.checkpoint()).toMatchObject({ seq: 1 });
    expect((await store.stats()).lastCheckpointError).toBeNull();
  });
});

describe('devChecks: every commit is checked and its state frozen', () => {
  test.each(cases)('a reducer that returns a %s is rejected at its commit with NOT_PLAIN_DATA at %s; nothing is written', async (kind, path, found) => {
    const idb = freshIndexedDB();
    const store = await open(formStore({ devChecks: true }), idb);
    await store.commit({ type: 'changed', field: 'name', value: 'Ada' });
    const before = store.getState();
    const error = await rejection(store.commit({ type: 'broke', field: 'city', kind }));
    expect(error.code).toBe('NOT_PLAIN_DATA');
    expect(error.details).toMatchObject({ path, found, in: 'state' });
    expect(store.getState()).toBe(before);
    expect((await readJournal(idb, 'form')).flatMap((r) => r.commits)).toHaveLength(1);
    expect(await store.commit({ type: 'changed', field: 'name', value: 'Grace' })).toEqual({ seq: 2 });
  });

  test('a reducer that mutates the state it was given throws at the mutation: REDUCER_THREW with the TypeError as cause, nothing written', async () => {
    const idb = freshIndexedDB();
    const store = await open(formStore({ devChecks: true }), idb);
    await store.commit({ type: 'changed', field: 'name', value: 'Ada' });
    const error = await rejection(store.commit({ type: 'changed', field: 'x', value: 'y' }, { type: 'submittedInPlace' }));
    expect(error.code).toBe('REDUCER_THREW');
    expect(error.details).toMatchObject({ eventIndex: 1, type: 'submittedInPlace' });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(store.getState()).toEqual({ fields: { name: 'Ada' }, submits: 0 });
    expect((await readJournal(idb, 'form')).flatMap((r) => r.commits)).toHaveLength(1);
  });

  test('even the very first commit cannot mutate the initial state', async () => {
    const store = await open(formStore({ devChecks: true }), freshIndexedDB());
    await expect(store.commit({ type: 'submittedInPlace' })).rejects.toMatchObject({ code: 'REDUCER_THREW' });
  });

  test('without devChecks the same mutating reducer is not caught (the check is what catches it)', async () => {
    const store = await open(formStore({ devChecks: false }), freshIndexedDB());
    expect(await store.commit({ type: 'submittedInPlace' })).toEqual({ seq: 1 });
  });

  test('on the page, a mutating reducer is rejected with its code before anything is sent to the worker', async () => {
    const idb = freshIndexedDB();
    const def = formStore({ devChecks: true, name: 'form-page' });
    const channel = new MessageChannel();
    const served = serveStore(def, { endpoint: channel.port2, indexedDB: idb, broadcast: false });
    const store = await connectStore(def, channel.port1, { checkpointOnHide: false });
    try {
      await store.commit({ type: 'changed', field: 'name', value: 'Ada' });
      await expect(store.commit({ type: 'submittedInPlace' })).rejects.toMatchObject({ name: 'TidemarkError', code: 'REDUCER_THREW' });
      await expect(store.commit({ type: 'broke', field: 'c', kind: 'map' })).rejects.toMatchObject({
        code: 'NOT_PLAIN_DATA',
        details: { path: '.fields.c' },
      });
      expect(() => {
        (store.getState().fields as Record<string, unknown>).name = 'changed from outside';
      }).toThrow(TypeError);
      expect((await store.stats()).seq).toBe(1);
    } finally {
      await store.close();
      await served.close();
      channel.port1.close();
      channel.port2.close();
    }
  });

  test('devChecks is on by default outside production builds, and off when NODE_ENV is production', () => {
    const make = () => defineStore({ name: 'x', initial: () => 0, events: {} });
    expect(make().devChecks).toBe(true); // Vitest sets NODE_ENV=test
    const saved = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(make().devChecks).toBe(false);
    } finally {
      process.env.NODE_ENV = saved;
    }
    expect(defineStore({ name: 'x', initial: () => 0, events: {}, devChecks: false }).devChecks).toBe(false);
  });
});
