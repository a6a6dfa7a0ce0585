import { gunzipSync, gzipSync, strFromU8, strToU8 } from 'fflate';
import { describe, expect, test } from 'vitest';
import { defineStore, hashState, isTidemarkError } from 'tidemark';
import { importBackup } from 'tidemark/worker';
import { freshIndexedDB, open, readJournal, readSnapshots, todoStore } from './fixtures.js';

async function errorOf(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  if (!isTidemarkError(error)) throw new Error(`expected a TidemarkError, got ${String(error)}`);
  return error;
}

/** A store with a snapshot and a journal after it. */
async function filledStore(name = 'todos') {
  const store = await open(todoStore({ name }), freshIndexedDB());
  for (let i = 1; i <= 12; i++) {
    await store.commit({ type: 'added', id: `t${i}`, text: `todo ${i} — ünïcode` }, { type: 'incremented', by: i });
    if (i === 8) await store.checkpoint();
  }
  return store;
}

async function bytesOf(blob: Blob) {
  return new Uint8Array(await blob.arrayBuffer());
}

describe('exportBackup() and importBackup()', () => {
  test('a backup imported into an empty store gives the same seqs, history and hash', async () => {
    const source = await filledStore();
    const file = await source.exportBackup();
    expect(file.type).toBe('application/gzip');
    const [magic0, magic1] = await bytesOf(file);
    expect([magic0, magic1]).toEqual([0x1f, 0x8b]);

    const idb = freshIndexedDB();
    const target = await open(todoStore(), idb);
    const result = await target.importBackup(file);
    expect(result).toMatchObject({ mode: 'loaded', seq: 12, hash: hashState(source.getState()), backup: { store: 'todos', firstSeq: 8, lastSeq: 12 } });
    expect(hashState(target.getState())).toBe(hashState(source.getState()));
    expect(target.confirmedSeq).toBe(12);
    expect((await target.history()).commits.map((c) => c.events)).toEqual((await source.history()).commits.map((c) => c.events));
    expect((await target.verify()).ok).toBe(true);
    await target.commit({ type: 'incremented', by: 1 }); // commits go on after it
    expect(target.confirmedSeq).toBe(13);
    await target.close();
    const again = await open(todoStore(), idb);
    expect(again.getState().count).toBe(source.getState().count + 1);
  });

  test('the standalone importBackup(def, file) loads a store on this thread', async () => {
    const source = await filledStore();
    const idb = freshIndexedDB();
    const result = await importBackup(todoStore(), await source.exportBackup(), { indexedDB: idb, broadcast: false });
    expect(result).toMatchObject({ mode: 'loaded', seq: 12 });
    const reopened = await open(todoStore(), idb);
    expect(hashState(reopened.getState())).toBe(hashState(source.getState()));
  });

  const broken: Array<[string, (bytes: Uint8Array) => Uint8Array, string]> = [
    ['truncated', (b) => b.slice(0, Math.floor(b.length * 0.6)), 'corrupt'],
    ['bit-flipped', (b) => b.map((x, i) => (i === Math.floor(b.length / 2) ? x ^ 0x10 : x)), 'corrupt'],
    ['cut after a valid gzip of half its text', (b) => { const t = strFromU8(gunzipSync(b)); return gzipSync(strToU8(t.slice(0, t.length - 40))); }, 'truncated'],
    ['re-gzipped with one event changed', (b) => gzipSync(strToU8(strFromU8(gunzipSync(b)).replace('todo 11', 'todo 99'))), 'altered'],
    ['not gzip at all', () => strToU8('{"hello":"world"}'), 'not-gzip'],
    ['a gzip of something else', () => gzipSync(strToU8('{"format":"zip"}\n{}')), 'foreign'],
    ['a gzip of text that is not JSON', () => gzipSync(strToU8('hello world')), 'foreign'],
  ];
  for (const [what, damage, reason] of broken) {
    test(`a ${what} file is BACKUP_INVALID (${reason}) and nothing changes`, async () => {
      const source = await filledStore();
      const file = new Blob([damage(await bytesOf(await source.exportBackup())) as Uint8Array<ArrayBuffer>]);
      const idb = freshIndexedDB();
      const target = await open(todoStore(), idb);
      const error = await errorOf(target.importBackup(file));
      expect(error.code).toBe('BACKUP_INVALID');
      expect(error.details.reason).toBe(reason);
      expect(error.message).toMatch(/Nothing was changed/);
      expect(target.confirmedSeq).toBe(0);
      expect(await readJournal(idb, 'todos')).toEqual([]);
      expect(await readSnapshots(idb, 'todos')).toEqual([]);
    });
  }

  test("another store's backup is BACKUP_INVALID, naming the store", async () => {
    const source = await filledStore('groceries');
    const target = await open(todoStore(), freshIndexedDB());
    const error = await errorOf(target.importBackup(await source.exportBackup()));
    expect(error).toMatchObject({ code: 'BACKUP_INVALID', details: { reason: 'other-store' } });
    expect(error.message).toMatch(/"groceries"/);
  });

  test('a store with commits refuses the import without replace (STORE_NOT_EMPTY), and nothing changes', async () => {
    const source = await filledStore();
    const idb = freshIndexedDB();
    const target = await open(todoStore(), idb);
    await target.commit({ type: 'incremented', by: 100 });
    const journal = await readJournal(idb, 'todos');
    expect((await errorOf(target.importBackup(await source.exportBackup()))).code).toBe('STORE_NOT_EMPTY');
    expect(await readJournal(idb, 'todos')).toEqual(journal);
    expect(target.getState().count).toBe(100);
  });

  test('replace: true writes a safety snapshot, then the backup state as a new commit; rewinding to the safety snapshot undoes it', async () => {
    const source = await filledStore();
    const target = await open(todoStore(), freshIndexedDB());
    await target.commit({ type: 'incremented', by: 100 });
    const mine = hashState(target.getState());
    const result = await target.importBackup(await source.exportBackup(), { replace: true });
    expect(result).toMatchObject({ mode: 'replaced', seq: 2, hash: hashState(source.getState()), safetySnapshot: { seq: 1, kind: 'rewind', hash: mine } });
    expect(hashState(target.getState())).toBe(hashState(source.getState()));
    expect((await target.history({ limit: 1 })).commits[0]!.events[0]).toMatchObject({ type: '@tidemark/state', cause: 'import' });
    await target.rewind(result.safetySnapshot!.seq);
    expect(hashState(target.getState())).toBe(mine);
  });

  test("an older version's backup goes through the store's migrations; a newer one is VERSION_AHEAD", async () => {
    const base = {
      name: 'people',
      checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    };
    const v1 = defineStore({ ...base, initial: () => ({ names: [] as string[] }), events: { named: (s, e: { name: string }) => ({ names: [...s.names, e.name] }) } });
    const v2 = defineStore({
      ...base,
      version: 2,
      initial: () => ({ people: [] as string[] }),
      events: { joined: (s, e: { name: string }) => ({ people: [...s.people, e.name] }) },
      migrations: { 2: { state: (old) => ({ people: (old as { names: string[] }).names }), event: (old) => ({ type: 'joined', name: (old as { name: string }).name }) } },
    });
    const old = await open(v1, freshIndexedDB());
    await old.commit({ type: 'named', name: 'Ada' });
    await old.checkpoint();
    await old.commit({ type: 'named', name: 'Grace' });
    const file = await old.exportBackup();
    const store = await open(v2, freshIndexedDB());
    expect(await store.importBackup(file)).toMatchObject({ mode: 'loaded', seq: 2 });
    expect(store.getState()).toEqual({ people: ['Ada', 'Grace'] });
    expect((await store.stats()).snapshots[0]).toMatchObject({ seq: 2, version: 2 });

    const newer = await open(v2, freshIndexedDB());
    await newer.commit({ type: 'joined', name: 'Alan' });
    const older = await open(v1, freshIndexedDB());
    expect((await errorOf(older.importBackup(await newer.exportBackup()))).code).toBe('VERSION_AHEAD');
  });
});
