// Sync mode in Chromium: two browser contexts are two devices (each its own
// IndexedDB), syncing through a real S3 bucket (Ceph RGW). Both edit while
// offline (the context's network switched off), come back, and end equal.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allowCors, createBucket, s3Server } from '../remote/s3-server';
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

async function device(): Promise<HarnessPage> {
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

describe('sync mode in Chromium, against Ceph RGW', () => {
  it('two devices edit offline, reconnect, and end with the same state holding every commit once', async () => {
    const server = s3Server();
    const bucket = await createBucket(server);
    await allowCors(bucket);
    const name = `sync-${Math.random().toString(36).slice(2, 8)}`;
    const config: RemotePageConfig = {
      mode: 'sync',
      store: { name, version: 2 },
      s3: { endpoint: server.endpoint, bucket: bucket.name, prefix: `sync/${name}`, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, region: server.region },
    };
    const laptop = await device();
    const phone = await device();
    await rm(laptop.page, 'connect', config);
    await rm(phone.page, 'connect', config);
    await rm(laptop.page, 'append', 1, 5);
    await rm(laptop.page, 'whenUploaded');
    await rm(phone.page, 'whenUploaded');
    expect((await rm(phone.page, 'state')).length).toBe(5);

    await laptop.context.setOffline(true);
    await phone.context.setOffline(true);
    await rm(laptop.page, 'append', 100, 104);
    await rm(phone.page, 'append', 200, 204);
    expect((await rm(laptop.page, 'state')).length).toBe(10);
    await laptop.context.setOffline(false);
    await phone.context.setOffline(false);
    for (let round = 0; round < 2; round++) {
      await rm(laptop.page, 'whenUploaded');
      await rm(phone.page, 'whenUploaded');
    }
    const [a, b] = [await rm(laptop.page, 'state'), await rm(phone.page, 'state')];
    expect(a.length).toBe(15);
    expect(a.hash).toBe(b.hash);
    expect([...a.list].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204]);
    expect(laptop.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });
});
