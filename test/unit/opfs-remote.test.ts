// opfsRemote over an in-memory OPFS in Node: the copy rebuilds a database the
// browser wiped, prunes what its newest snapshots cover, takes a file cut
// short for absent, goes with deleteStore, and where there is no OPFS leaves
// the store working. The real thing runs in the browser suite
// (test/browser/local-copy-wipe.test.ts, engines/local-copy.test.ts).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { faultyIndexedDB } from 'tidemark/testing';
import { deleteStore, opfsRemote, RemoteFault } from 'tidemark/worker';
import { freshIndexedDB, open, todoStore } from './fixtures.js';
import { memoryOpfs, type MemoryDirectory } from './memory-opfs.js';

afterEach(() => void vi.unstubAllGlobals());

function withOpfs(): MemoryDirectory {
  const { root, navigator } = memoryOpfs();
  vi.stubGlobal('navigator', navigator);
  return root;
}

async function copyFiles(root: MemoryDirectory, store: string): Promise<string[]> {
  const dir = await (await (await root.getDirectoryHandle('tidemark')).getDirectoryHandle('copies')).getDirectoryHandle(store);
  return [...dir.entriesByName.keys()].map(decodeURIComponent).sort();
}

const chromiumSays = 'IndexedDB (database was corrupt): Unknown corruption';

describe('opfsRemote: a second copy of the store in the Origin Private File System', () => {
  test('a database the browser wiped is rebuilt from the copy, and the loss says through which seq', async () => {
    withOpfs();
    const def = todoStore({ name: 'copied' });
    const store = await open(def, freshIndexedDB(), { remote: opfsRemote({ store: def.name }) });
    for (let i = 1; i <= 5; i++) await store.commit({ type: 'incremented', by: i });
    await store.whenUploaded();
    await store.close();

    const wiped = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
    const rebuilt = await open(def, wiped, { remote: opfsRemote({ store: def.name }) });
    expect(rebuilt.getState()).toMatchObject({ count: 15 });
    expect(rebuilt.loadReport).toMatchObject({ source: 'remote', dataLoss: { kind: 'total', detectedBy: 'browser', recoveredThrough: 5 } });
    expect(await rebuilt.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 6 });
    await rebuilt.whenUploaded();
    await rebuilt.close();
  });

  test('keeps its 2 newest snapshots and the segments after the older one', async () => {
    const root = withOpfs();
    const def = todoStore({ name: 'pruned', snapshots: 5 });
    const store = await open(def, freshIndexedDB(), { remote: opfsRemote({ store: def.name, snapshotEveryCommits: 2 }) });
    for (let i = 1; i <= 8; i++) {
      await store.commit({ type: 'incremented', by: 1 });
      await store.whenUploaded();
      if (i % 2 === 0) await store.checkpoint();
    }
    await store.commit({ type: 'incremented', by: 1 }); // the snapshot at 8 goes to the copy before commit 9
    await store.whenUploaded();
    const files = await copyFiles(root, 'pruned');
    expect(files.filter((f) => f.startsWith('snap/'))).toEqual(['snap/00000000000000000006', 'snap/00000000000000000008']);
    expect(files.filter((f) => f.startsWith('log/')).every((f) => Number(f.slice(4)) > 6)).toBe(true);
    await store.close();
  });

  test('a file a kill cut short reads as absent, and is written again', async () => {
    const root = withOpfs();
    const remote = opfsRemote({ store: 'torn' });
    expect(await remote.create('log/00000000000000000001', new Uint8Array([1, 2, 3]))).toBe(true);
    const dir = await (await (await root.getDirectoryHandle('tidemark')).getDirectoryHandle('copies')).getDirectoryHandle('torn');
    const file = await dir.getFileHandle(encodeURIComponent('log/00000000000000000001'));
    file.bytes = file.bytes.subarray(0, file.bytes.length - 1); // the last byte never reached the disk
    expect(await remote.get('log/00000000000000000001')).toBeUndefined();
    expect(await remote.list('log/')).toEqual([]);
    expect(await remote.create('log/00000000000000000001', new Uint8Array([1, 2, 3]))).toBe(true);
    expect(await remote.get('log/00000000000000000001')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await remote.create('log/00000000000000000001', new Uint8Array([9]))).toBe(false); // never overwritten
  });

  test('deleteStore deletes the copy: the store opens as new, not rebuilt', async () => {
    const root = withOpfs();
    const def = todoStore({ name: 'deleted' });
    const idb = freshIndexedDB();
    const store = await open(def, idb, { remote: opfsRemote({ store: def.name }) });
    await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    await store.close();
    await deleteStore(def.name, { indexedDB: idb });
    await expect(copyFiles(root, 'deleted')).rejects.toMatchObject({ name: 'NotFoundError' });
    const fresh = await open(def, idb, { remote: opfsRemote({ store: def.name }) });
    expect(fresh.loadReport.dataLoss).toBeUndefined();
    expect(fresh.getState()).toMatchObject({ count: 0 });
    await fresh.close();
  });

  test('where there is no OPFS, the store works and the copy reports REMOTE_FAILED', async () => {
    vi.stubGlobal('navigator', {});
    const remote = opfsRemote({ store: 'nowhere' });
    expect(await remote.list('log/')).toEqual([]);
    await expect(remote.create('log/00000000000000000001', new Uint8Array([1]))).rejects.toBeInstanceOf(RemoteFault);
    const store = await open(todoStore({ name: 'nowhere' }), freshIndexedDB(), { remote });
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 1 });
    await expect(store.whenUploaded()).rejects.toMatchObject({ code: 'REMOTE_FAILED' });
  });
});
