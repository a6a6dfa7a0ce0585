// The demo's time travel panel, end to end on the dev server: the slider
// shows the list as it was, "Rewind here" makes it current and "Undo rewind"
// takes it back; a backup exported from one browser profile is imported in
// another through the file picker.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from './harness';

/** Where the screenshot of the panel goes, to be looked at. */
const SCREENSHOT = process.env.TIDEMARK_SCREENSHOT_DIR ? `${process.env.TIDEMARK_SCREENSHOT_DIR}/time-travel.png` : undefined;

let harness: Harness | undefined;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

function todoTexts(page: Page): Promise<string[]> {
  return page.locator('#todo-list .todo .text').allInnerTexts();
}

function viewTexts(page: Page): Promise<string[]> {
  return page.locator('#history-view li').allInnerTexts();
}

async function ready(page: Page): Promise<void> {
  await waitFor(page, () => document.querySelector('#save-status')?.textContent === 'All changes saved', { what: 'the demo to connect' });
}

async function addTodo(page: Page, text: string): Promise<void> {
  await page.fill('#new-todo-text', text);
  await page.press('#new-todo-text', 'Enter');
}

/** Waits until the slider spans 0…max (the panel re-reads the window after each change). */
async function sliderMax(page: Page, max: number): Promise<void> {
  await page.waitForFunction((max) => (document.querySelector('#history-slider') as HTMLInputElement).max === String(max), max, { timeout: 10_000 });
}

async function scrubTo(page: Page, seq: number): Promise<void> {
  await page.$eval('#history-slider', (slider, seq) => {
    (slider as HTMLInputElement).value = String(seq);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
  }, seq);
}

async function until<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
  await expect.poll(read, { timeout: 10_000, message: what }).toEqual(expected);
}

describe('the demo inspector: time travel, rewind, backups', () => {
  it('scrubs through history read-only, rewinds, undoes the rewind, and carries a backup to another profile', async () => {
    const { page, errors } = await harness!.newPage('/');
    await page.setViewportSize({ width: 1280, height: 1400 });
    await ready(page);
    for (const text of ['Buy milk', 'Call Ada', 'Water the plants']) await addTodo(page, text);
    await sliderMax(page, 3);
    await until(() => viewTexts(page), ['Buy milk', 'Call Ada', 'Water the plants'], 'the panel to show the head');

    await scrubTo(page, 1);
    await until(() => viewTexts(page), ['Buy milk'], 'the panel to show the list at #1');
    expect(await todoTexts(page)).toEqual(['Buy milk', 'Call Ada', 'Water the plants']); // read-only: the app is untouched
    expect(await page.locator('#history-where').innerText()).toMatch(/^#1 of #0–3 — added/);
    if (SCREENSHOT) await page.locator('.inspector').screenshot({ path: SCREENSHOT });

    await page.click('#history-rewind');
    await until(() => todoTexts(page), ['Buy milk'], 'the rewind to reach the list');
    await sliderMax(page, 4);
    await page.waitForFunction(() => !(document.querySelector('#history-undo') as HTMLButtonElement).disabled);
    await page.click('#history-undo');
    await until(() => todoTexts(page), ['Buy milk', 'Call Ada', 'Water the plants'], 'the undo to bring the list back');
    await sliderMax(page, 5);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#backup-export')]);
    const file = await readFile((await download.path())!);
    expect([file[0], file[1]]).toEqual([0x1f, 0x8b]);
    // The inspector refreshes at most every 200 ms: read the hash once it shows seq 5 (the undo).
    await page.waitForFunction(() => document.querySelector('[data-stat="seq"]')?.textContent?.trim() === '5', undefined, { timeout: 10_000 });
    const hash = (await page.locator('[data-stat="hash"]').innerText()).split(' ')[0];

    const other = await harness!.newPage('/'); // another context: an empty IndexedDB
    await ready(other.page);
    await other.page.setInputFiles('#backup-file', { name: 'todos.tidemark.gz', mimeType: 'application/gzip', buffer: file });
    await until(() => todoTexts(other.page), ['Buy milk', 'Call Ada', 'Water the plants'], 'the import to show the list in the other profile');
    await other.page.waitForFunction((hash) => document.querySelector('[data-stat="hash"]')?.textContent?.startsWith(hash!), hash, { timeout: 10_000 });
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });
});
