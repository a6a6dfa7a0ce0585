import { afterEach, describe, expect, test, vi } from 'vitest';
import { memoryRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { openDatabase } from '../../worker/database.js';
import { readSnapshotObject, snapshotKey } from '../../worker/remote/objects.js';
import { PendingReader } from '../../worker/remote/pending-reader.js';
import { checkBucket } from './bucket-layout.js';
import { freshIndexedDB, open, request, todoStore, withRawDatabase } from './fixtures.js';

// What the uploader reads from IndexedDB: a snapshot the engine holds in
// memory is sent from there, and journal records are read once per round.

/** Uploads start only when asked (whenUploaded), so a test can change the database first. */
const onDemand = { uploadDelayMs: 3_600_000, maxBackoffMs: 20, snapshotCooldownMs: 0 };

/** Rewrites the `at` of the snapshot at `seq` in IndexedDB: a copy that says where an upload read it from. */
async function restamp(indexedDB: IDBFactory, seq: number, at: number): Promise<void> {
  await withRawDatabase(indexedDB, 'todos', async (db) => {
    const tx = db.transaction('snapshots', 'readwrite');
    const snapshots = tx.objectStore('snapshots');
    await request(snapshots.put({ ...(await request(snapshots.get(seq))), at }));
    await new Promise((resolve) => (tx.oncomplete = resolve));
  });
}

/** The `at` of the snapshot at `seq` in the bucket, once it is there. */
async function uploadedAt(remote: ReturnType<typeof memoryRemote>, seq: number): Promise<number> {
  await expect.poll(() => remote.objects.has(snapshotKey(seq))).toBe(true);
  return (await readSnapshotObject(remote.objects.get(snapshotKey(seq))!, snapshotKey(seq), 'todos')).record.at;
}

const RESTAMPED = 12_345;

describe('the uploader sends snapshots it holds in memory', () => {
  test('a snapshot a checkpoint just wrote goes up from memory, not read back from IndexedDB', async () => {
    const remote = memoryRemote({ ...onDemand, snapshotEveryCommits: 5 });
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb, { remote });
    for (let i = 0; i < 5; i++) await store.commit({ type: 'incremented', by: 1 });
    const written = await store.checkpoint();
    await restamp(idb, 5, RESTAMPED);
    await store.whenUploaded();
    expect(await uploadedAt(remote, 5)).toBe(written!.at);
    expect((await checkBucket(remote, 'todos')).through).toBe(5);
    await store.close();
  });

  test('a snapshot whose first upload failed is read back from IndexedDB for the next attempt', async () => {
    let failures = 1;
    const remote = memoryRemote({
      ...onDemand,
      snapshotEveryCommits: 5,
      faults: (call): RemoteFaultInjection => (call.op === 'create' && call.key.startsWith('snap/') && failures-- > 0 ? 'drop' : undefined),
    });
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb, { remote });
    for (let i = 0; i < 5; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    await restamp(idb, 5, RESTAMPED);
    await store.whenUploaded();
    expect(await uploadedAt(remote, 5)).toBe(RESTAMPED);
    expect(failures).toBeLessThan(0);
    await store.close();
  });

  test('the snapshot a load started from goes up from memory when the journal no longer reaches back to the cursor', async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 1 });
    const offline = await open(def, idb);
    for (let i = 0; i < 6; i++) await offline.commit({ type: 'incremented', by: 1 });
    const closedAt = Date.now();
    await offline.close(); // its last snapshot (seq 6) trims the journal behind it

    const remote = memoryRemote(onDemand);
    const store = await open(def, idb, { remote });
    await restamp(idb, 6, RESTAMPED);
    await store.whenUploaded();
    expect(await uploadedAt(remote, 6)).toBeGreaterThanOrEqual(closedAt);
    expect(await checkBucket(remote, 'todos')).toMatchObject({ snapshots: [6], through: 6 });
    await store.close();
  });
});

describe('PendingReader', () => {
  afterEach(() => vi.restoreAllMocks());

  /**
   * A database whose journal holds one record per commit, 1..`commits`, and a
   * reader of batches of `limit`. The store stays open: closing it would
   * write a snapshot and trim the journal.
   */
  async function journalOf(commits: number, limit: number) {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    for (let i = 0; i < commits; i++) await store.commit({ type: 'incremented', by: 1 });
    const db = await openDatabase('todos', idb, () => {});
    return { db, reader: new PendingReader(db, limit), close: () => (db.close(), store.close()) };
  }

  const seqs = (records: ReadonlyArray<{ seq: number }>) => records.map((r) => r.seq);

  test('records read past where a step ended are not read again: the next read gets them and the rest of its batch', async () => {
    const { reader, close } = await journalOf(30, 10);
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll');
    const first = await reader.read(1);
    expect(seqs(first.records)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    reader.readAhead(7, first.records); // the step took 1..6
    const second = await reader.read(7);
    expect(seqs(second.records)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const journalReads = getAll.mock.calls.filter(([, count]) => count !== undefined);
    expect(journalReads.map(([range, count]) => [(range as IDBKeyRange).lower, count])).toEqual([[1, 10], [11, 6]]);
    await close();
  });

  test('a read that starts elsewhere does not use what was read ahead', async () => {
    const { reader, close } = await journalOf(30, 10);
    reader.readAhead(7, (await reader.read(1)).records);
    expect(seqs((await reader.read(4)).records)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    reader.readAhead(11, []);
    reader.drop();
    expect(seqs((await reader.read(20)).records)[0]).toBe(20);
    await close();
  });

  test('records kept past a trim stand alone: a read never returns a gap', async () => {
    const { db, reader, close } = await journalOf(30, 10);
    const first = await reader.read(1);
    await db.delete('journal', IDBKeyRange.bound(8, 25)); // as retention trims, seen only by the read ahead
    reader.readAhead(5, first.records);
    expect(seqs((await reader.read(5)).records)).toEqual([5, 6, 7, 8, 9, 10]);
    await close();
  });

  test('a journal that does not continue from the read\'s first seq is read one record deep: a snapshot goes up first', async () => {
    const { db, reader, close } = await journalOf(30, 10);
    await db.delete('journal', IDBKeyRange.upperBound(12));
    expect(seqs((await reader.read(1)).records)).toEqual([13]);
    expect(seqs((await reader.read(13)).records)).toEqual([13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
    await close();
  });
});
