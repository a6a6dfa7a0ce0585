// The Node side of the remote test page (pages/remote.html): a bucket and a
// page config for a store of its own, and calls into the page's window.rm.
// Used by the Chromium files that drive it through playwright.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { allowCors, createBucket, s3Server, type S3Bucket } from '../remote/s3-server';
import { startHarness, waitFor, type Harness, type HarnessPage } from './harness';
import type { RemotePageApi, RemotePageConfig } from './pages/remote';

/** Calls `window.rm[method](...args)` in the page and returns its (cloned) result. */
export function rm<M extends keyof RemotePageApi>(page: Page, method: M, ...args: Parameters<RemotePageApi[M]>): Promise<Awaited<ReturnType<RemotePageApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => ((window as unknown as { rm: Record<string, (...a: unknown[]) => unknown> }).rm[method]!)(...args),
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<RemotePageApi[M]>>>;
}

/** Waits until the page has published window.rm. */
export async function remotePageReady(page: Page): Promise<Page> {
  await waitFor(page, () => 'rm' in window, { what: 'the remote page to publish window.rm' });
  return page;
}

/** A fresh bucket with CORS for pages, and the config of a store of its own in it. */
export async function remoteSetup(label: string, mode?: RemotePageConfig['mode']): Promise<{ bucket: S3Bucket; config: RemotePageConfig }> {
  const server = s3Server();
  const bucket = await createBucket(server);
  await allowCors(bucket);
  const name = `remote-${label}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    bucket,
    config: {
      ...(mode && { mode }),
      store: { name, version: 2 },
      s3: { endpoint: server.endpoint, bucket: bucket.name, prefix: `devices/${name}`, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, region: server.region },
    },
  };
}

/**
 * Starts the harness for this file and returns an opener of remote pages,
 * each in a fresh context (another device) closed after its test.
 */
export function useRemotePages(): { open(): Promise<HarnessPage>; harness(): Harness } {
  let harness: Harness | undefined;
  const opened: HarnessPage[] = [];
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness?.close());
  afterEach(async () => {
    for (const { context } of opened.splice(0)) await context.close();
  });
  const started = () => harness ?? expect.unreachable('startHarness() did not finish');
  return {
    harness: started,
    async open() {
      const page = await started().newPage('/test/browser/pages/remote.html');
      opened.push(page);
      await remotePageReady(page.page);
      return page;
    },
  };
}
