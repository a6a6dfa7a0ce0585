// Invariant 7 when the whole browser dies: Chromium SIGKILLed (its process
// group) while its worker uploads to a real S3 server (Ceph RGW), relaunched
// on the same profile, several times; the bucket must never hold a gap a
// snapshot does not cover, nor a duplicate, and a fresh profile must rebuild
// the same state from it.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm as removeDir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ViteDevServer } from 'vite';
import { findChromium, MISSING_BROWSER_HELP } from '../../scripts/chromium.mjs';
import { checkBucket } from '../unit/bucket-layout';
import { allowCors, bucketRemote, createBucket, s3Server } from '../remote/s3-server';
import { launch, originOf, startServer } from './kill-loop';
import type { RemotePageApi, RemotePageConfig } from './pages/remote';
import { remotePageReady, rm } from './remote-page';

let server: ViteDevServer | undefined;
let profile = '';
beforeAll(async () => {
  if (!findChromium()) throw new Error(MISSING_BROWSER_HELP);
  server = await startServer();
  profile = await mkdtemp(path.join(tmpdir(), 'tidemark-remote-kill-'));
});
afterAll(async () => {
  await server?.close();
  await removeDir(profile, { recursive: true, force: true });
});

async function openRemotePage(browser: Browser): Promise<Page> {
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${originOf(server!)}/test/browser/pages/remote.html`);
  return remotePageReady(page);
}

describe('remote backup when the whole browser is killed', () => {
  it('invariant 7: SIGKILLs of Chromium in the middle of uploads leave no gap and no duplicate, and the bucket rebuilds the state', async () => {
    const s3 = s3Server();
    const bucket = await createBucket(s3);
    await allowCors(bucket);
    const name = `remote-kill-${Math.random().toString(36).slice(2, 8)}`;
    const config: RemotePageConfig = {
      // Snapshots now and then, so uploads mix snapshots and segments.
      store: { name, version: 2, checkpointEvery: 60 },
      s3: { endpoint: s3.endpoint, bucket: bucket.name, prefix: `kill/${name}`, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region },
    };
    const executable = findChromium()!;
    let next = 1;
    for (let kill = 0; kill < 4; kill++) {
      const chrome = await launch(executable, profile, () => {});
      try {
        const page = await openRemotePage(chrome.browser);
        const connected = await rm(page, 'connect', config);
        // Chromium itself may wipe the database after a kill (about 1 in 100): then the store comes back from the bucket.
        const loss = connected.loadReport.dataLoss;
        if (loss) expect(loss.recoveredThrough, `after kill ${kill}: ${loss.message}`).toBe(connected.seq);
        next = connected.seq + 1;
        await rm(page, 'appendForever', next);
        const target = connected.remote.uploadedSeq + 20;
        await page.waitForFunction((t) => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq >= t, target, { timeout: 20_000 });
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 200));
      } finally {
        await chrome.kill();
      }
    }
    // The last relaunch finishes the uploads; the bucket then holds exactly the store.
    const chrome = await launch(executable, profile, () => {});
    try {
      const page = await openRemotePage(chrome.browser);
      await rm(page, 'connect', config);
      await rm(page, 'whenUploaded');
      const { seq, hash } = await rm(page, 'state');
      expect(seq).toBeGreaterThan(60);
      expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), name)).through).toBe(seq);
      // A second profile: an empty context of the same browser hydrates from the bucket alone.
      const fresh = await (await chrome.browser.newContext()).newPage();
      await fresh.goto(`${originOf(server!)}/test/browser/pages/remote.html`);
      await remotePageReady(fresh);
      const hydrated = await rm(fresh, 'connect', config);
      expect(hydrated.loadReport.source).toBe('remote');
      expect(hydrated.hash).toBe(hash);
    } finally {
      await chrome.kill();
    }
  }, 180_000);
});
