// Reading and driving the demo page (index.html + demo/) from a test.
import type { Page } from 'playwright-core';
import { waitFor } from './harness';

/** The text of an inspector value, e.g. stat(page, 'seq'). */
export function stat(page: Page, name: string): Promise<string> {
  return page.locator(`[data-stat="${name}"]`).innerText();
}

/** An inspector number, e.g. "10 012" → 10012. */
export async function statNumber(page: Page, name: string): Promise<number> {
  return Number((await stat(page, name)).replace(/\D/g, ''));
}

export function todoTexts(page: Page): Promise<string[]> {
  return page.locator('#todo-list .todo .text').allInnerTexts();
}

/** Waits until the store is connected and the inspector has shown stats at least once. */
export async function demoReady(page: Page): Promise<void> {
  await waitFor(page, () => document.querySelector('#save-status')?.textContent === 'All changes saved', {
    what: 'the demo to connect to its worker',
  });
  await waitFor(page, () => /\d/.test(document.querySelector('[data-stat="seq"]')?.textContent ?? ''), {
    what: 'the inspector to show the seq',
  });
}

export async function addTodo(page: Page, text: string): Promise<void> {
  await page.fill('#new-todo-text', text);
  await page.press('#new-todo-text', 'Enter');
}

/** Waits until the inspector shows `seq` (it refreshes itself after every change). */
export async function seqShown(page: Page, seq: number): Promise<void> {
  await page.waitForFunction(
    (seq) => Number(document.querySelector('[data-stat="seq"]')?.textContent?.replace(/\D/g, '')) === seq,
    seq,
    { timeout: 10_000 },
  );
}
