// The remote backup against a real S3 server (Ceph RGW): the engine in Node
// with fake-indexeddb, uploading through s3Remote with SigV4.
import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { s3Remote, type S3RemoteOptions } from 'tidemark/s3';
import { faultyRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { freshIndexedDB, open, readJournal, rejection, todoStore } from '../unit/fixtures.js';
import { checkBucket as checkLayout } from '../unit/bucket-layout.js';
import { bucketRemote, createBucket, s3Fetch, type S3Bucket } from './s3-server.js';

const fast = { uploadDelayMs: 0, maxBackoffMs: 50 };

function remoteFor(bucket: S3Bucket, options: Partial<S3RemoteOptions> = {}) {
  const { endpoint, accessKeyId, secretAccessKey, region } = bucket.server;
  return s3Remote({ endpoint, bucket: bucket.name, prefix: 'users/7/todos', credentials: { accessKeyId, secretAccessKey, region }, ...fast, ...options });
}

const prefix = 'users/7/todos/';
const bucketKeys = (bucket: S3Bucket) => bucketRemote(bucket, prefix).list('');
const checkBucket = async (bucket: S3Bucket) => (await checkLayout(bucketRemote(bucket, prefix), 'todos')).through;


describe('remote backup against Ceph RGW', () => {
  test('invariant 6: commits uploaded from one device are restored on an empty one from the bucket alone', async () => {
    const bucket = await createBucket();
    const laptop = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket) });
    for (let i = 0; i < 30; i++) await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await laptop.checkpoint();
    await Promise.all(Array.from({ length: 20 }, (_, i) => laptop.commit({ type: 'incremented', by: i })));
    await laptop.whenUploaded();
    expect(laptop.remote).toMatchObject({ status: 'idle', uploadedSeq: 50, pendingCommits: 0 });
    expect(await checkBucket(bucket)).toBe(50);

    const phone = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket) });
    expect(phone.loadReport.source).toBe('remote');
    expect(phone.loadReport.remote).toMatchObject({ seq: 50 });
    expect(phone.loadReport.remote!.bytes).toBeGreaterThan(0);
    expect(hashState(phone.getState())).toBe(hashState(laptop.getState()));
    await Promise.all([laptop.close(), phone.close()]);
  });

  test('a crash mid-upload (answers lost, worker gone) resumes from the durable cursor with no gap and no duplicate', async () => {
    const bucket = await createBucket();
    const idb = freshIndexedDB();
    const crashing = faultyRemote(remoteFor(bucket), (call): RemoteFaultInjection => (call.op === 'create' ? 'lose-answer' : call.op === 'get' ? 'drop' : undefined));
    const first = await open(todoStore(), idb, { remote: crashing });
    for (let i = 0; i < 10; i++) await first.commit({ type: 'incremented', by: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await bucketKeys(bucket)).length).toBeGreaterThan(0); // it reached the server...
    expect(first.remote.uploadedSeq).toBe(0); // ...but the cursor never moved
    await first.close();

    const second = await open(todoStore(), idb, { remote: remoteFor(bucket) });
    await second.commit({ type: 'incremented', by: 1 });
    await second.whenUploaded();
    expect(await checkBucket(bucket)).toBe(11);
    const restored = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket) });
    expect(restored.getState().count).toBe(11);
    await Promise.all([second.close(), restored.close()]);
  });

  test('offline then online: nothing is sent while the network is down, everything goes up when it is back', async () => {
    const bucket = await createBucket();
    let online = false;
    const remote = faultyRemote(remoteFor(bucket), () => (online ? undefined : 'drop'));
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 0; i < 5; i++) await store.commit({ type: 'incremented', by: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(store.remote).toMatchObject({ status: 'uploading', uploadedSeq: 0, pendingCommits: 5, lastError: { retrying: true } });
    expect(await bucketKeys(bucket)).toEqual([]);
    online = true;
    await store.whenUploaded();
    expect(await checkBucket(bucket)).toBe(5);
    await store.close();
  });

  test('retention backpressure: after a long offline spell the newest snapshot goes up instead of the trimmed commits', async () => {
    const bucket = await createBucket();
    let online = false;
    const idb = freshIndexedDB();
    const remote = faultyRemote(remoteFor(bucket), () => (online ? undefined : 'drop'));
    const store = await open(todoStore({ checkpoint: { everyEvents: 10, cooldownMs: 0 }, snapshots: 2 }), idb, { remote });
    for (let i = 0; i < 60; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    expect((await readJournal(idb, 'todos'))[0].seq).toBeGreaterThan(1);
    online = true;
    await store.whenUploaded();
    expect(await bucketKeys(bucket)).toEqual(['snap/00000000000000000060']);
    await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    expect(await checkBucket(bucket)).toBe(61);
    const restored = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket) });
    expect(restored.getState().count).toBe(61);
    await Promise.all([store.close(), restored.close()]);
  });

  test('a forced snapshot for the uploader comes no more often than snapshotCooldownMs', async () => {
    const bucket = await createBucket();
    const store = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket, { snapshotEveryCommits: 3, snapshotCooldownMs: 60_000 }) });
    for (let i = 0; i < 12; i++) {
      await store.commit({ type: 'incremented', by: 1 });
      await store.whenUploaded();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.whenUploaded();
    expect((await store.stats()).snapshots).toHaveLength(1);
    expect((await bucketKeys(bucket)).filter((k) => k.startsWith('snap/'))).toHaveLength(1);
    await store.close();
  });

  test('a damaged remote snapshot is skipped on hydration and reported; an older one is used', async () => {
    const bucket = await createBucket();
    const store = await open(todoStore({ checkpoint: { everyEvents: 3, cooldownMs: 0 } }), freshIndexedDB(), {
      remote: remoteFor(bucket, { snapshotEveryCommits: 3, snapshotCooldownMs: 0 }),
    });
    for (let i = 0; i < 10; i++) {
      await store.commit({ type: 'added', id: `t${i}`, text: 'x' });
      if (i % 3 === 2) await store.checkpoint();
      await store.whenUploaded();
    }
    const snapshots = (await bucketKeys(bucket)).filter((k) => k.startsWith('snap/'));
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    const newest = snapshots[snapshots.length - 1]!;
    // Bit rot on the server: the object is replaced by one with a flipped byte in its gzip payload.
    const url = bucket.url(`users/7/todos/${newest}`);
    const bytes = new Uint8Array(await (await s3Fetch(bucket.client, url)).arrayBuffer());
    bytes[bytes.length - 12]! ^= 0xff;
    expect((await s3Fetch(bucket.client, url, { method: 'PUT', body: bytes })).ok).toBe(true);

    const restored = await open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket) });
    expect(restored.loadReport.remote?.damaged.map((d) => d.key)).toEqual([newest]);
    expect(hashState(restored.getState())).toBe(hashState(store.getState()));
    await Promise.all([store.close(), restored.close()]);
  });

  test('wrong credentials stop uploads with REMOTE_DENIED in stats().remote while local commits go on', async () => {
    const bucket = await createBucket();
    const idb = freshIndexedDB();
    const local = await open(todoStore(), idb); // a device with data: it does not need the bucket to open
    await local.commit({ type: 'incremented', by: 1 });
    await local.close();
    const store = await open(todoStore(), idb, {
      remote: remoteFor(bucket, { credentials: { accessKeyId: bucket.server.accessKeyId, secretAccessKey: 'not-the-secret' } }),
    });
    const error = await rejection(store.whenUploaded());
    expect(error.code).toBe('REMOTE_DENIED');
    expect(error.message).not.toContain('not-the-secret');
    expect((await store.stats()).remote).toMatchObject({ status: 'error', lastError: { code: 'REMOTE_DENIED' } });
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 2 });
    await store.close();
  });

  test('a missing bucket is REMOTE_FAILED naming it, and a 403 on hydration rejects the open with REMOTE_DENIED', async () => {
    const bucket = await createBucket();
    const idb = freshIndexedDB();
    const local = await open(todoStore(), idb);
    await local.commit({ type: 'incremented', by: 1 });
    await local.close();
    const missing = await open(todoStore(), idb, { remote: remoteFor(bucket, { bucket: 'tidemark-no-such-bucket' }) });
    const error = await rejection(missing.whenUploaded());
    expect(error.code).toBe('REMOTE_FAILED');
    expect(error.message).toMatch(/NoSuchBucket/);
    await missing.close();

    const denied = rejection(
      open(todoStore(), freshIndexedDB(), { remote: remoteFor(bucket, { credentials: { accessKeyId: 'nobody', secretAccessKey: 'nothing' } }) }),
    );
    expect((await denied).code).toBe('REMOTE_DENIED');
  });
});
