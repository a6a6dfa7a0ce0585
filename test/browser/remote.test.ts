// The remote backup in Chromium, with its offline switch: commits wait while
// the context is offline and go up when it is back. (Uploads, hydration of a
// second profile and a kill mid-upload run in every engine: engines/remote.test.ts.)
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkBucket } from '../remote/bucket-layout';
import { allowCors, createBucket, s3Server, type S3Bucket } from '../remote/s3-server';
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

describe('remote backup in Chromium, against Ceph RGW, offline and back', () => {
  it('offline, commits wait; back online, they go up', async () => {
    const { bucket, config } = await setup('offline');
    const { page, context } = await openPage();
    await rm(page, 'connect', config);
    await context.setOffline(true);
    await rm(page, 'append', 1, 5);
    await waitFor(page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().pendingCommits === 5, { what: 'five commits waiting' });
    expect((await rm(page, 'remote')).uploadedSeq).toBe(0);
    await context.setOffline(false);
    await rm(page, 'whenUploaded');
    expect(await checkBucket(bucket, `${config.s3.prefix}/`, config.store.name)).toBe(5);
  });
});
