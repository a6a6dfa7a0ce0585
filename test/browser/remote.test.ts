// The remote backup in Chromium: a real worker uploads to a real S3 server
// (Ceph RGW, CORS set on the bucket), and a second browser profile (a fresh
// context: empty IndexedDB) hydrates from the bucket alone.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkBucket } from '../unit/bucket-layout';
import { allowCors, bucketRemote, createBucket, s3Server, type S3Bucket } from '../remote/s3-server';
import { startHarness, waitFor, type Harness, type HarnessPage } from './harness';
import type { RemotePageApi, RemotePageConfig } from './pages/remote';

let harness: Harness | undefined;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());
const opened: HarnessPage[] = [];
afterEach(async () => {
  for (const { context } of opened.splice(0)) await context.close();
});

async function openPage(): Promise<HarnessPage> {
  const page = await (harness ?? expect.unreachable('no harness')).newPage('/test/browser/pages/remote.html');
  opened.push(page);
  await waitFor(page.page, () => 'rm' in window, { what: 'the remote page to publish window.rm' });
  return page;
}

function rm<M extends keyof RemotePageApi>(page: Page, method: M, ...args: Parameters<RemotePageApi[M]>): Promise<Awaited<ReturnType<RemotePageApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => ((window as unknown as { rm: Record<string, (...a: unknown[]) => unknown> }).rm[method]!)(...args),
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<RemotePageApi[M]>>>;
}

async function setup(label: string): Promise<{ bucket: S3Bucket; config: RemotePageConfig }> {
  const server = s3Server();
  const bucket = await createBucket(server);
  await allowCors(bucket);
  const name = `remote-${label}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    bucket,
    config: {
      store: { name, version: 2 },
      s3: { endpoint: server.endpoint, bucket: bucket.name, prefix: `devices/${name}`, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, region: server.region },
    },
  };
}

describe('remote backup in Chromium, against Ceph RGW', () => {
  it('a commit made on one profile is restored on a second, empty profile from the bucket alone once whenUploaded() resolves', async () => {
    const { bucket, config } = await setup('hydrate');
    const laptop = await openPage();
    expect((await rm(laptop.page, 'connect', config)).remote).toMatchObject({ status: 'idle', uploadedSeq: 0 });
    expect(await rm(laptop.page, 'append', 1, 40)).toBe(40);
    await rm(laptop.page, 'whenUploaded');
    expect(await rm(laptop.page, 'remote')).toMatchObject({ status: 'idle', uploadedSeq: 40, pendingCommits: 0 });
    expect(await rm(laptop.page, 'statuses')).toContain('uploading');
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(40);

    const phone = await openPage();
    const hydrated = await rm(phone.page, 'connect', config);
    expect(hydrated.loadReport).toMatchObject({ source: 'remote', remote: { seq: 40 } });
    expect(hydrated.hash).toBe((await rm(laptop.page, 'state')).hash);
    expect(laptop.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });

  it('offline, commits wait; back online, they go up', async () => {
    const { bucket, config } = await setup('offline');
    const { page, context } = await openPage();
    await rm(page, 'connect', config);
    await context.setOffline(true);
    await rm(page, 'append', 1, 5);
    await waitFor(page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().pendingCommits === 5, { what: 'five commits waiting' });
    expect((await rm(page, 'remote')).uploadedSeq).toBe(0);
    expect(await rm(page, 'statuses')).toContain('offline'); // the worker sees navigator.onLine go false
    await context.setOffline(false);
    await rm(page, 'whenUploaded');
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(5);
  });

  it('two tabs of one device commit at once: one upload at a time, no object twice, both tabs see the bucket caught up', async () => {
    const { bucket, config } = await setup('tabs');
    const first = await openPage();
    const second = await first.context.newPage();
    await second.goto(harness!.url('/test/browser/pages/remote.html'));
    await waitFor(second, () => 'rm' in window, { what: 'the second tab to publish window.rm' });
    await rm(first.page, 'connect', config);
    await rm(second, 'connect', config);
    await Promise.all([rm(first.page, 'append', 1, 50), rm(second, 'append', 1001, 1050)]);
    await Promise.all([rm(first.page, 'whenUploaded'), rm(second, 'whenUploaded')]);
    const seq = (await rm(first.page, 'state')).seq;
    expect(seq).toBe(100);
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(100);
    // The tab that did not upload last still hears of it (its next round reads the shared cursor).
    await waitFor(second, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq === 100, { what: 'the second tab to see everything uploaded' });
    await waitFor(first.page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq === 100, { what: 'the first tab to see everything uploaded' });
  });

  it('killing the worker in the middle of uploads leaves no gap and no duplicate, and the next worker finishes the job', async () => {
    const { bucket, config } = await setup('kill');
    const { page } = await openPage();
    await rm(page, 'connect', config);
    await rm(page, 'appendForever', 1);
    await waitFor(page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq > 50, { what: 'uploads under way', timeoutMs: 20_000 });
    await rm(page, 'kill');
    const reopened = await rm(page, 'connect', config);
    await rm(page, 'whenUploaded');
    const last = (await rm(page, 'state')).seq;
    expect(last).toBeGreaterThanOrEqual(reopened.seq);
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(last);

    const fresh = await openPage();
    expect((await rm(fresh.page, 'connect', config)).hash).toBe((await rm(page, 'state')).hash);
  });
});
