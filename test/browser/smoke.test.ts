// Proves the browser harness end to end, before any tidemark code is involved:
// a module Worker bundled by Vite writes to real IndexedDB in real Chromium
// through idb and Comlink, and the record is still there after a reload.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, startPreview, waitFor, type Harness } from './harness';
import type { SmokeApi, SmokePage, SmokeRecord, SmokeWindow } from './pages/smoke';

const smokePage = '/test/browser/pages/smoke.html';
const record: SmokeRecord = { id: 'greeting', text: 'written by the worker', count: 42 };

/** Opens the smoke page in a fresh context and waits until its worker has answered. */
async function openSmokePage(harness: Harness) {
  const opened = await harness.newPage(smokePage);
  await smokeReady(opened.page);
  return opened;
}

function smokeReady(page: Page) {
  return waitFor(page, () => 'smoke' in window, { what: 'the smoke page to reach its worker' });
}

/** Calls a method of the page's worker (through the page's Comlink proxy) and returns its result. */
function callWorker<M extends keyof SmokeApi>(
  page: Page,
  method: M,
  ...args: Parameters<SmokeApi[M]>
): Promise<Awaited<ReturnType<SmokeApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => {
      const worker = (window as unknown as SmokeWindow).smoke.worker as unknown as Record<string, (...a: unknown[]) => unknown>;
      const call = worker[method];
      if (!call) throw new Error(`The smoke worker has no method ${method}`);
      return call(...args);
    },
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<SmokeApi[M]>>>;
}

function pageEnv(page: Page): Promise<SmokePage['env']> {
  return page.evaluate(() => (window as unknown as SmokeWindow).smoke.env);
}

describe('the browser harness, on the Vite dev server', () => {
  let harness: Harness | undefined;
  const started = () => harness ?? expect.unreachable('startHarness() did not finish');
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness?.close());

  it('runs a real module worker that keeps an IndexedDB record across a page reload', async () => {
    const { page, errors } = await openSmokePage(started());

    expect(await callWorker(page, 'scope')).toBe('DedicatedWorkerGlobalScope');
    expect(await pageEnv(page)).toEqual({ mode: 'development', prod: false });
    expect(await callWorker(page, 'get', record.id)).toBeUndefined();

    await callWorker(page, 'put', record);
    expect(await callWorker(page, 'get', record.id)).toEqual(record);

    await page.reload();
    await smokeReady(page);
    expect(await callWorker(page, 'get', record.id)).toEqual(record);
    expect(await callWorker(page, 'count')).toBe(1);

    expect(errors).toEqual([]);
  });

  it('gives every new page an empty IndexedDB of its own', async () => {
    const first = await openSmokePage(started());
    await callWorker(first.page, 'put', record);
    expect(await callWorker(first.page, 'count')).toBe(1);

    const second = await openSmokePage(started());
    expect(await callWorker(second.page, 'count')).toBe(0);

    expect([...first.errors, ...second.errors]).toEqual([]);
  });
});

describe('the browser harness, on a production build', () => {
  let harness: Harness | undefined;
  let outDir: string | undefined;
  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'tidemark-smoke-build-'));
    harness = await startPreview({ input: 'test/browser/pages/smoke.html', outDir });
  });
  afterAll(async () => {
    await harness?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('serves the bundled worker, which keeps its IndexedDB record across a reload', async () => {
    const { page, errors } = await openSmokePage(harness ?? expect.unreachable('startPreview() did not finish'));

    expect(await pageEnv(page)).toEqual({ mode: 'production', prod: true });
    expect(await callWorker(page, 'scope')).toBe('DedicatedWorkerGlobalScope');

    await callWorker(page, 'put', record);
    await page.reload();
    await smokeReady(page);
    expect(await callWorker(page, 'get', record.id)).toEqual(record);

    expect(errors).toEqual([]);
  });
});
