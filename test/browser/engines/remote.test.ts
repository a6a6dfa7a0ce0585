// The remote backup in every browser engine: the worker signs and uploads
// with fetch and SigV4 to a real S3 server (Ceph RGW, CORS on the bucket),
// and a second context (an empty IndexedDB: another device) hydrates from the
// bucket alone.
import { expect, it } from 'vitest';
import { allowCors, bucketRemote, createBucket, s3Server } from '../../remote/s3-server';
import { checkBucket } from '../../unit/bucket-layout';
import { waitIn, type EnginePage } from '../drivers/driver';
import type { RemotePageApi, RemotePageConfig } from '../pages/remote';
import { describeInEachEngine } from './each-engine';

function rm<M extends keyof RemotePageApi>(page: EnginePage, method: M, ...args: Parameters<RemotePageApi[M]>): Promise<Awaited<ReturnType<RemotePageApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => (window as unknown as { rm: Record<string, (...a: unknown[]) => unknown> }).rm[method]!(...args),
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<RemotePageApi[M]>>>;
}

/** A bucket with CORS for pages, and the page config of a store of its own backing up to it. */
async function setup(label: string) {
  const server = s3Server();
  const bucket = await createBucket(server);
  await allowCors(bucket);
  const name = `engines-remote-${label}-${Math.random().toString(36).slice(2, 8)}`;
  const config: RemotePageConfig = {
    store: { name, version: 2 },
    s3: { endpoint: server.endpoint, bucket: bucket.name, prefix: `devices/${name}`, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, region: server.region },
  };
  return { bucket, config, name };
}

describeInEachEngine('remote backup against Ceph RGW', (engine) => {
  const open = async () => {
    const page = await engine.openPage('/test/browser/pages/remote.html');
    await waitIn(page, () => 'rm' in window, undefined, { what: 'the remote page to publish window.rm' });
    return page;
  };

  it('a commit made on one device is restored on a second, empty one from the bucket alone once whenUploaded() resolves', async () => {
    const { bucket, config, name } = await setup(`hydrate-${engine.name}`);

    const laptop = await open();
    expect((await rm(laptop, 'connect', config)).remote).toMatchObject({ status: 'idle', uploadedSeq: 0 });
    expect(await rm(laptop, 'append', 1, 40)).toBe(40);
    await rm(laptop, 'whenUploaded');
    expect(await rm(laptop, 'remote')).toMatchObject({ status: 'idle', uploadedSeq: 40, pendingCommits: 0 });
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), name)).through).toBe(40);

    const phone = await open();
    const hydrated = await rm(phone, 'connect', config);
    expect(hydrated.loadReport).toMatchObject({ source: 'remote', remote: { seq: 40 } });
    expect(hydrated.hash).toBe((await rm(laptop, 'state')).hash);
    expect([...laptop.errors, ...phone.errors]).toEqual([]);
  });

  // In WebKit this caught a browser bug (WebKit bug 324094): a worker ended with two IndexedDB
  // transactions in flight can leave the database unable to run any transaction. It failed in about
  // 1 run of 4 until tidemark ran one transaction at a time there (worker/transaction-gate.ts).
  it('killing the worker in the middle of uploads leaves no gap and no duplicate, and the next worker finishes the job', async () => {
    const { bucket, config, name } = await setup(`kill-${engine.name}`);
    const page = await open();
    await rm(page, 'connect', config);
    await rm(page, 'appendForever', 1);
    await waitIn(page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq > 50, undefined, { what: 'uploads under way', timeoutMs: 20_000 });
    await rm(page, 'kill');
    const reopened = await rm(page, 'connect', config);
    await rm(page, 'whenUploaded');
    const last = (await rm(page, 'state')).seq;
    expect(last).toBeGreaterThanOrEqual(reopened.seq);
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), name)).through).toBe(last);

    const fresh = await open();
    expect((await rm(fresh, 'connect', config)).hash).toBe((await rm(page, 'state')).hash);
  });

  it('sync mode: two devices commit at once and end with the same state, every commit once', async () => {
    const { config } = await setup(`sync-${engine.name}`);
    const synced: RemotePageConfig = { ...config, mode: 'sync' };
    const laptop = await open();
    const phone = await open();
    await rm(laptop, 'connect', synced);
    await rm(phone, 'connect', synced);
    await Promise.all([rm(laptop, 'append', 1, 10), rm(phone, 'append', 101, 110)]);
    for (let round = 0; round < 2; round++) {
      await rm(laptop, 'whenUploaded');
      await rm(phone, 'whenUploaded');
    }
    const [a, b] = [await rm(laptop, 'state'), await rm(phone, 'state')];
    expect(a.hash).toBe(b.hash);
    expect([...a.list].sort((x, y) => x - y)).toEqual([...Array.from({ length: 10 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => i + 101)]);
    expect([...laptop.errors, ...phone.errors]).toEqual([]);
  });
});

