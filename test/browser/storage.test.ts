// Persistent storage and quota in real Chromium: the worker reads
// navigator.storage for stats().storage, and the page asks for persistence
// (persist() is exposed to windows only). Chromium decides silently; the
// test grants or leaves the permission through the DevTools protocol.
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness, type HarnessPage } from './harness';
import type { Outcome } from './pages/engine';
import { CURRENT_VERSION, numberedCommit, type EngineStoreConfig } from './pages/engine.store';
import type { ConnectOptions } from 'tidemark';
import { tm } from './engines/engine-page';

let harness: Harness | undefined;
const started = () => harness ?? expect.unreachable('startHarness() did not finish');
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

const opened: HarnessPage[] = [];
const sessions: CDPSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.detach();
  for (const { context } of opened.splice(0)) await context.close();
});

function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`failed on the page with ${outcome.error.code ?? outcome.error.name}: ${outcome.error.message}`);
  return outcome.value;
}

/** Opens the engine page in a fresh context and connects a store of its own. */
async function connected(options: ConnectOptions = {}): Promise<HarnessPage> {
  const page = await started().newPage('/test/browser/pages/engine.html');
  opened.push(page);
  await waitFor(page.page, () => 'tm' in window, { what: 'the engine page to publish window.tm' });
  const config: EngineStoreConfig = { name: `storage-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION };
  ok(await tm(page.page, 'connect', config, options));
  return page;
}

/**
 * Grants (or denies) the persistent-storage permission to the harness origin,
 * in this context only. Chromium drops a session's permission overrides when
 * the session detaches, so the browser session stays open until the test ends.
 */
async function setPersistentStorage(context: BrowserContext, page: Page, setting: 'granted' | 'denied'): Promise<void> {
  const session = await context.newCDPSession(page);
  const { targetInfo } = await session.send('Target.getTargetInfo');
  await session.detach();
  const browserSession = await started().browser.newBrowserCDPSession();
  sessions.push(browserSession);
  await browserSession.send('Browser.setPermission', {
    permission: { name: 'persistent-storage' },
    setting,
    origin: started().baseUrl,
    ...(targetInfo.browserContextId && { browserContextId: targetInfo.browserContextId }),
  });
}

describe('persistent storage and quota, in Chromium', () => {
  it("reports the origin's usage, quota and persisted flag from the worker, usage growing with the data", async () => {
    const { page, errors } = await connected();
    const empty = ok(await tm(page, 'stats')).storage;
    expect(empty.quota).toBeGreaterThan(0);
    expect(empty.persisted).toBe(false);
    expect(empty.usage).toEqual(expect.any(Number));

    const big = Array.from({ length: 200 }, (_, n) => numberedCommit(n + 1)).flat();
    ok(await tm(page, 'commit', big));
    ok(await tm(page, 'commitNumbered', 201, 400));
    const after = ok(await tm(page, 'stats')).storage;
    expect(after.usage).toBeGreaterThan(empty.usage!);
    expect(after.quota).toBeGreaterThan(after.usage!);
    expect(errors).toEqual([]);
  });

  it('persist() resolves false when the browser refuses, and true once granted, and the worker then reports persisted', async () => {
    const { page, context, errors } = await connected();
    await setPersistentStorage(context, page, 'denied');
    expect(await tm(page, 'persist')).toBe(false);
    expect(ok(await tm(page, 'stats')).storage.persisted).toBe(false);

    await setPersistentStorage(context, page, 'granted');
    expect(await tm(page, 'persist')).toBe(true);
    expect(await tm(page, 'persisted')).toBe(true);
    expect(ok(await tm(page, 'stats')).storage.persisted).toBe(true);
    expect(errors).toEqual([]);
  });

  it('asks at the first commit with persistOnFirstCommit, and never without it', async () => {
    // Granting the permission alone makes Chromium report persisted, so count the calls to persist() instead.
    const countPersistCalls = (page: Page) =>
      page.evaluate(() => {
        const original = StorageManager.prototype.persist;
        const counted = window as unknown as { persistCalls: number };
        counted.persistCalls = 0;
        StorageManager.prototype.persist = function persist() {
          counted.persistCalls++;
          return original.call(this);
        };
      });
    const persistCalls = (page: Page) => page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls);

    const without = await connected();
    await countPersistCalls(without.page);
    ok(await tm(without.page, 'commitNumbered', 1, 3));
    ok(await tm(without.page, 'commitNumbered', 4, 4));
    expect(await persistCalls(without.page)).toBe(0);

    const withOption = await connected({ persistOnFirstCommit: true });
    await countPersistCalls(withOption.page);
    await setPersistentStorage(withOption.context, withOption.page, 'granted');
    ok(await tm(withOption.page, 'commitNumbered', 1, 3));
    ok(await tm(withOption.page, 'commitNumbered', 4, 4));
    expect(await persistCalls(withOption.page)).toBe(1);
    expect(ok(await tm(withOption.page, 'stats')).storage.persisted).toBe(true);
    expect([...without.errors, ...withOption.errors]).toEqual([]);
  });
});
