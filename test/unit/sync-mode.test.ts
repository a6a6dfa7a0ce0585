import { describe, expect, test } from 'vitest';
import { connectStore, hashState } from 'tidemark';
import { memoryRemote, serveStore } from 'tidemark/worker';
import { checkStores, runStores } from './sync-stores.js';
import { freshIndexedDB, open, todoStore } from './fixtures.js';
import { readLog } from './sync-devices.js';

const fast = { uploadDelayMs: 0, maxBackoffMs: 20, mode: 'sync' as const };

describe('sync mode: devices share one log in the bucket', () => {
  test('two devices commit offline-first, sync, and end with the same state', async () => {
    const objects = new Map<string, Uint8Array>();
    const laptop = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    const phone = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    await laptop.commit({ type: 'added', id: 'a', text: 'from the laptop' });
    await phone.commit({ type: 'added', id: 'b', text: 'from the phone' });
    await Promise.all([laptop.whenUploaded(), phone.whenUploaded()]);
    await Promise.all([laptop.whenUploaded(), phone.whenUploaded()]); // the second round pulls what the other pushed
    expect(Object.keys(laptop.getState().items).sort()).toEqual(['a', 'b']);
    expect(hashState(laptop.getState())).toBe(hashState(phone.getState()));
    expect(laptop.remote).toMatchObject({ pendingCommits: 0, uploadedSeq: 2 });
    await Promise.all([laptop.close(), phone.close()]);
  });
});

describe('sync mode: rejections and tabs', () => {
  test('a server that accepts a second If-None-Match write gets REMOTE_UNSUPPORTED, and local commits go on', async () => {
    const objects = new Map<string, Uint8Array>();
    const careless = memoryRemote({ ...fast, objects });
    const remote = { ...careless, create: async (key: string, bytes: Uint8Array) => (objects.set(key, bytes), true) };
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    await store.commit({ type: 'incremented', by: 1 });
    const error = await store.whenUploaded().then(() => undefined, (e: unknown) => e);
    expect((error as { code?: string }).code).toBe('REMOTE_UNSUPPORTED');
    expect(store.remote).toMatchObject({ status: 'error', lastError: { code: 'REMOTE_UNSUPPORTED' } });
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 2 });
    await store.close();
  });

  test('a commit that no longer applies after a rebase is removed from the state and reported with its events and error', async () => {
    const objects = new Map<string, Uint8Array>();
    const a = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    let bOnline = true;
    const b = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects, faults: () => (bOnline ? undefined : 'drop') }) });
    await a.commit({ type: 'added', id: 'x', text: 'milk' });
    await a.whenUploaded();
    await b.whenUploaded();
    expect(Object.keys(b.getState().items)).toEqual(['x']);
    bOnline = false;
    await a.commit({ type: 'removed', id: 'x' });
    await a.whenUploaded();
    await b.commit({ type: 'toggled', id: 'x' }); // fine here, offline
    expect(b.getState().items.x?.done).toBe(true);
    const told: number[] = [];
    b.subscribe(() => told.push(b.remote.rejected?.length ?? 0));
    bOnline = true;
    await b.whenUploaded();
    expect(b.getState().items).toEqual({});
    expect(b.remote.rejected).toHaveLength(1);
    expect(b.remote.rejected![0]).toMatchObject({ events: [{ type: 'toggled', id: 'x' }], error: { code: 'REDUCER_THREW' } });
    expect((await b.stats()).remote.rejected).toHaveLength(1);
    expect(told).toContain(1);
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
    await Promise.all([a.close(), b.close()]);
  });

  test('rejections are kept across a reload, so the page still sees them', async () => {
    const objects = new Map<string, Uint8Array>();
    const idb = freshIndexedDB();
    const a = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    await a.commit({ type: 'added', id: 'x', text: 'milk' });
    await a.whenUploaded();
    let online = true;
    const b = await open(todoStore(), idb, { remote: memoryRemote({ ...fast, objects, faults: () => (online ? undefined : 'drop') }) });
    await b.whenUploaded();
    online = false;
    await a.commit({ type: 'removed', id: 'x' });
    await a.whenUploaded();
    await b.commit({ type: 'toggled', id: 'x' });
    online = true;
    await b.whenUploaded();
    expect(b.remote.rejected).toHaveLength(1);
    await b.close();
    const reopened = await open(todoStore(), idb, { remote: memoryRemote({ ...fast, objects }) });
    expect(reopened.remote.rejected).toHaveLength(1);
    expect(reopened.remote.rejected![0]).toMatchObject({ events: [{ type: 'toggled', id: 'x' }] });
    await Promise.all([a.close(), reopened.close()]);
  });

  test('tabs of one device share one push queue: every commit goes up once', async () => {
    const objects = new Map<string, Uint8Array>();
    const idb = freshIndexedDB();
    const def = todoStore({ name: `tabs-${Math.random().toString(36).slice(2, 8)}` });
    const tab1 = await open(def, idb, { remote: memoryRemote({ ...fast, objects }), broadcast: true });
    const tab2 = await open(def, idb, { remote: memoryRemote({ ...fast, objects }), broadcast: true });
    const other = await open(def, freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => tab1.commit({ type: 'added', id: `one-${i}`, text: 'x' })),
      ...Array.from({ length: 20 }, (_, i) => tab2.commit({ type: 'added', id: `two-${i}`, text: 'x' })),
      ...Array.from({ length: 20 }, (_, i) => other.commit({ type: 'added', id: `other-${i}`, text: 'x' })),
    ]);
    for (let round = 0; round < 2; round++) for (const store of [tab1, tab2, other]) await store.whenUploaded();
    const log = await readLog(memoryRemote({ objects }), def.name);
    const ids = log.map((c) => (c.events[0] as unknown as { id: string }).id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(hashState(tab1.getState())).toBe(hashState(other.getState()));
    expect(hashState(tab2.getState())).toBe(hashState(other.getState()));
    await Promise.all([tab1.close(), tab2.close(), other.close()]);
  });
});

describe('sync mode under faults (in-memory bucket, several seeds)', () => {
  test('invariants a–e with real engines: 3 devices commit while going offline and meeting drops, lost answers and 503s', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const objects = new Map<string, Uint8Array>();
      const run = { devices: 3, commits: 25, seed, faultRate: 0.2, toggleRate: 0.25, delayMs: 5 };
      const { stores: devices, acked, rejected } = await runStores(memoryRemote({ ...fast, objects }), run);
      const log = await readLog(memoryRemote({ objects }), 'todos');
      const at = `seed ${seed}`;
      checkStores(devices, acked, rejected, log, at);
      await Promise.all(devices.map((store) => store.close()));
    }
  }, 120_000);
});

describe('sync mode on the page (connectStore over a MessageChannel)', () => {
  test("the page's mirror follows rebases: other devices' commits come before this one's, and the page shows what the worker has", async () => {
    const objects = new Map<string, Uint8Array>();
    const def = todoStore({ name: `page-sync-${Math.random().toString(36).slice(2, 8)}` });
    let online = false;
    const channel = new MessageChannel();
    const served = serveStore(def, {
      endpoint: channel.port2,
      indexedDB: freshIndexedDB(),
      broadcast: false,
      remote: memoryRemote({ ...fast, objects, faults: () => (online ? undefined : 'drop') }),
    });
    const page = await connectStore(def, channel.port1, { checkpointOnHide: false });
    const elsewhere = await open(def, freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    await elsewhere.commit({ type: 'added', id: 'first', text: 'made elsewhere, first' });
    await elsewhere.whenUploaded();
    await page.commit({ type: 'added', id: 'second', text: 'made here, offline' });
    await page.commit({ type: 'incremented', by: 2 });
    expect(Object.keys(page.getState().items)).toEqual(['second']);
    online = true;
    await page.whenUploaded();
    await expect.poll(() => Object.keys(page.getState().items)).toEqual(['first', 'second']);
    expect(page.getState().count).toBe(2);
    await expect.poll(() => page.remote).toMatchObject({ pendingCommits: 0, uploadedSeq: 3 }); // status changes arrive on their own port
    await elsewhere.whenUploaded();
    expect(hashState(page.getState())).toBe(hashState(elsewhere.getState()));
    await page.close();
    await served.close();
    await elsewhere.close();
    channel.port1.close();
    channel.port2.close();
  });
});

describe('sync mode: snapshots in the bucket', () => {
  test('devices share snapshots of the shared state, and a new device hydrates from the newest plus the segments after it', async () => {
    const objects = new Map<string, Uint8Array>();
    const def = todoStore({ checkpoint: { everyEvents: 10, cooldownMs: 0 } });
    const remote = () => memoryRemote({ ...fast, objects, snapshotEveryCommits: 10 });
    const a = await open(def, freshIndexedDB(), { remote: remote() });
    const b = await open(def, freshIndexedDB(), { remote: remote() });
    for (let i = 0; i < 15; i++) {
      await a.commit({ type: 'incremented', by: 1 });
      await b.commit({ type: 'incremented', by: 2 });
      if (i % 5 === 4) await Promise.all([a.whenUploaded(), b.whenUploaded()]);
    }
    for (let round = 0; round < 2; round++) for (const store of [a, b]) await store.whenUploaded();
    await a.checkpoint();
    await a.whenUploaded(); // a round after the checkpoint shares it
    const snapshots = [...objects.keys()].filter((k) => k.startsWith('snap/'));
    expect(snapshots.length).toBeGreaterThan(0);
    const fresh = await open(def, freshIndexedDB(), { remote: remote() });
    expect(fresh.loadReport.source).toBe('remote');
    expect(fresh.loadReport.remote!.snapshotSeq).toBeGreaterThan(0);
    expect(fresh.getState().count).toBe(45);
    expect(hashState(fresh.getState())).toBe(hashState(a.getState()));
    await Promise.all([a.close(), b.close(), fresh.close()]);
  });
});

describe('sync mode: history features write commits', () => {
  test('a backup imported into an empty synced device and a rewind travel to the other devices as commits', async () => {
    const objects = new Map<string, Uint8Array>();
    const source = await open(todoStore({ name: 'elsewhere' }), freshIndexedDB());
    await source.commit({ type: 'added', id: 'from-backup', text: 'x' });
    const file = await source.exportBackup();
    await source.close();
    const a = await open(todoStore({ name: 'elsewhere' }), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    const b = await open(todoStore({ name: 'elsewhere' }), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    expect((await a.importBackup(file)).mode).toBe('replaced'); // in sync mode a backup comes in as a commit
    await a.commit({ type: 'incremented', by: 1 });
    await a.whenUploaded(); // history in sync mode is the shared log: commits count once synced
    await a.rewind(1); // back to the imported state, as a commit too
    await a.whenUploaded();
    await b.whenUploaded();
    expect(Object.keys(b.getState().items)).toEqual(['from-backup']);
    expect(b.getState().count).toBe(0);
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
    await Promise.all([a.close(), b.close()]);
  });
});
