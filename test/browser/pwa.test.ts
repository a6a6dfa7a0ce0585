// The demo as an offline, installable app, on the production build in
// Chromium: after one visit its service worker holds the whole build, so with
// the network off and the server gone it still loads, commits and reloads;
// back online nothing is lost. Chromium's own installability check passes.
// A new release waits for the old pages and offers itself. In dev mode there
// is no service worker to serve stale files.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { findChromium, LAUNCH_ARGS, MISSING_BROWSER_HELP } from '../../scripts/chromium.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTodo, demoReady, todoTexts } from './demo-page';
import { startHarness, startPreview, waitFor, type Harness, type PreviewHarness } from './harness';

/** Waits until the demo's service worker is active and controls the page. */
async function serviceWorkerActive(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.scriptURL ?? 'none';
  });
}

async function saved(page: Page): Promise<void> {
  await waitFor(page, () => document.querySelector('#save-status')?.textContent === 'All changes saved', { what: 'the commits to be saved' });
}

/** Reloads and returns whether the page itself came from the service worker. */
async function reload(page: Page): Promise<boolean> {
  const response = await page.reload();
  if (!response) throw new Error('the reload got no response');
  await demoReady(page);
  return response.fromServiceWorker();
}

describe('the demo as a PWA, on the production build', () => {
  let harness: PreviewHarness | undefined;
  let outDir: string | undefined;
  const started = () => harness ?? expect.unreachable('startPreview() did not finish');

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'tidemark-pwa-build-'));
    harness = await startPreview({ outDir });
  });
  afterAll(async () => {
    await harness?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('passes Chromium’s installability checks, with the manifest parsed without errors', async () => {
    // Not in the harness's contexts: Chromium never offers to install from an incognito one (error "in-incognito").
    const profile = await mkdtemp(path.join(tmpdir(), 'tidemark-pwa-profile-'));
    const executablePath = findChromium() ?? expect.unreachable(MISSING_BROWSER_HELP);
    const context = await chromium.launchPersistentContext(profile, { executablePath, args: LAUNCH_ARGS, headless: true });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(started().url('/'));
      await demoReady(page);
      await serviceWorkerActive(page);
      const cdp = await context.newCDPSession(page);
      const manifest = await cdp.send('Page.getAppManifest');
      expect(manifest.url).toBe(started().url('/manifest.webmanifest'));
      expect(manifest.errors).toEqual([]);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  });

  it('after one visit, loads and commits with no network and no server, and loses nothing back online', async () => {
    const { page, context, errors } = await started().newPage('/');
    await page.setViewportSize({ width: 1280, height: 900 });
    await demoReady(page);
    expect(await serviceWorkerActive(page)).toBe(started().url('/sw.js'));
    await addTodo(page, 'Written online');
    await saved(page);

    // No network, and no server either: nothing can come from 127.0.0.1 now.
    await context.setOffline(true);
    await started().stopServer();
    expect(await reload(page)).toBe(true);
    expect(await todoTexts(page)).toEqual(['Written online']);
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await page.locator('#network-status').isVisible()).toBe(true);
    // A first install is not an update: no banner.
    expect(await page.locator('#update-ready').isVisible()).toBe(false);

    // The worker (from the cache too) takes commits, and they survive another reload.
    await addTodo(page, 'Written offline');
    await page.locator('#todo-list .todo').first().locator('.toggle').check();
    await saved(page);
    expect(await reload(page)).toBe(true);
    expect(await todoTexts(page)).toEqual(['Written online', 'Written offline']);
    expect(await page.locator('#todo-list .todo.done .text').allInnerTexts()).toEqual(['Written online']);
    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/pwa-offline.png', fullPage: true });

    // Back online: the same data, and the app goes on writing.
    await started().restartServer();
    await context.setOffline(false);
    await reload(page);
    expect(await todoTexts(page)).toEqual(['Written online', 'Written offline']);
    expect(await page.locator('#network-status').isVisible()).toBe(false);
    await addTodo(page, 'Written back online');
    await saved(page);
    await reload(page);
    expect(await todoTexts(page)).toEqual(['Written online', 'Written offline', 'Written back online']);
    expect(errors).toEqual([]);
  });
});

describe('a new release of the PWA demo, on the production build', () => {
  let harness: PreviewHarness | undefined;
  let outDir: string | undefined;
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'tidemark-pwa-update-'));
    harness = await startPreview({ outDir, label: 'release-1' });
  });
  afterAll(async () => {
    await harness?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  const release = (page: Page) => page.evaluate(() => document.querySelector('meta[name="tidemark-build"]')?.getAttribute('content'));

  it('waits while a page of the old one is open, offers "Update now", and switches on the click with the data intact', async () => {
    const started = harness ?? expect.unreachable('startPreview() did not finish');
    const { page, errors } = await started.newPage('/');
    await demoReady(page);
    await serviceWorkerActive(page);
    await addTodo(page, 'Written in release 1');
    await saved(page);
    expect(await page.locator('#update-ready').isVisible()).toBe(false);

    await started.rebuild('release-2');
    // The browser finds the new sw.js on the next navigation; the page stays on its own release meanwhile.
    expect(await reload(page)).toBe(true);
    expect(await release(page)).toBe('release-1');
    await waitFor(page, () => !document.querySelector<HTMLElement>('#update-ready')?.hidden, { what: 'the "Update now" banner' });
    expect(await release(page)).toBe('release-1');

    await Promise.all([page.waitForEvent('load'), page.click('#update-now')]);
    await demoReady(page);
    expect(await release(page)).toBe('release-2');
    expect(await page.locator('#update-ready').isVisible()).toBe(false);
    expect(await todoTexts(page)).toEqual(['Written in release 1']);
    expect(errors).toEqual([]);
  });
});

describe('the demo on the dev server', () => {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness?.close());

  it('registers no service worker, and removes one left on its origin', async () => {
    const { page, errors } = await (harness ?? expect.unreachable('startHarness() did not finish')).newPage('/');
    await demoReady(page);
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);

    // A service worker left on this origin (another build, another app on the same port).
    await page.evaluate(() => navigator.serviceWorker.register('/test/browser/pages/leftover-sw.js'));
    await waitFor(page, async () => (await navigator.serviceWorker.getRegistration('/test/browser/pages/'))?.active?.state === 'activated', {
      what: 'the leftover service worker to be active',
    });
    await page.reload();
    await demoReady(page);
    await waitFor(page, async () => (await navigator.serviceWorker.getRegistrations()).length === 0, { what: 'the leftover service worker to be removed' });
    expect(errors).toEqual([]);
  });
});
