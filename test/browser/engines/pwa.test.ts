// The demo as an offline app in every browser engine, on the production build:
// after one visit its service worker holds the whole build, so with the server
// gone (no network can reach it) the app still loads, commits and reloads, and
// back online nothing is lost. (Chromium's own offline switch and its
// installability check are in ../pwa.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitIn, type EnginePage } from '../drivers/driver';
import { startPreviewServer } from '../harness';
import { describeInEachEngine } from './each-engine';

const outDir = mkdtemp(path.join(tmpdir(), 'tidemark-pwa-engines-'));
afterAll(async () => rm(await outDir, { recursive: true, force: true }));

const saved = (page: EnginePage) =>
  waitIn(page, () => document.querySelector('#save-status')?.textContent === 'All changes saved', undefined, { what: 'the demo to be connected and saved', timeoutMs: 20_000 });

const todoTexts = (page: EnginePage) => page.evaluate(() => [...document.querySelectorAll('#todo-list .todo .text')].map((item) => item.textContent));

/** Types a todo and submits the form, as a user would. */
async function addTodo(page: EnginePage, text: string): Promise<void> {
  await page.evaluate((text) => {
    const input = document.querySelector<HTMLInputElement>('#new-todo-text')!;
    input.value = text;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    document.querySelector<HTMLFormElement>('#new-todo')!.requestSubmit();
  }, text);
  await waitIn(page, (text) => [...document.querySelectorAll('#todo-list .todo .text')].some((item) => item.textContent === text), text, { what: `the todo "${text}"` });
  await saved(page);
}

/** Reloads, waits for the demo, and says whether the service worker controls the page. */
async function reload(page: EnginePage): Promise<boolean> {
  await page.reload();
  await saved(page);
  return page.evaluate(() => navigator.serviceWorker.controller !== null);
}

describeInEachEngine(
  'the demo as an offline app',
  (engine) => {
    it('after one visit, loads and commits with the server gone, and loses nothing once it is back', async () => {
      const page = await engine.openPage('/');
      await saved(page);
      const scriptURL = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
      expect(scriptURL).toBe(engine.url('/sw.js'));
      await addTodo(page, 'Written online');

      await engine.server().stopServer();
      try {
        expect(await reload(page)).toBe(true);
        expect(await todoTexts(page)).toEqual(['Written online']);
        await addTodo(page, 'Written offline');
        expect(await reload(page)).toBe(true);
        expect(await todoTexts(page)).toEqual(['Written online', 'Written offline']);
      } finally {
        await engine.server().restartServer();
      }

      await reload(page);
      expect(await todoTexts(page)).toEqual(['Written online', 'Written offline']);
      expect(page.errors).toEqual([]);
    });
  },
  async () => startPreviewServer({ outDir: await outDir }),
);
