// tidemark/react in React 19, in Chromium: components re-render when the
// slice they read changes and not otherwise, and StrictMode's double mount
// leaves no subscription behind.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from './harness';
import type { ReactTestWindow, RenderCounts } from './pages/react';

let harness: Harness | undefined;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

async function openReactPage(): Promise<{ page: Page; errors: readonly string[] }> {
  const opened = await (harness ?? expect.unreachable('startHarness() did not finish')).newPage('/test/browser/pages/react.html');
  await waitFor(opened.page, () => 'reactTest' in window, { what: 'the React page to connect to its store' });
  return opened;
}

function mount(page: Page, strict: boolean) {
  return page.evaluate((strict) => (window as unknown as ReactTestWindow).reactTest.mount(strict), strict);
}

/** Bumps a counter, waits until it is durable and React has painted it, and returns the render counts. */
async function bump(page: Page, counter: 'a' | 'b'): Promise<RenderCounts> {
  return page.evaluate(async (counter) => {
    const { reactTest } = window as unknown as ReactTestWindow;
    await reactTest.bump(counter);
    // Let React flush anything a late notification scheduled.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { ...reactTest.renders };
  }, counter);
}

function text(page: Page, id: string) {
  return page.locator(`#${id}`).textContent();
}

describe('useStore and useSaveStatus in React 19', () => {
  it('re-renders a component once per commit that changes its slice, and not for commits that change another', async () => {
    const { page, errors } = await openReactPage();
    await mount(page, false);
    await waitFor(page, () => document.querySelector('#whole')?.textContent === 'a=0 b=0', { what: 'the first render' });
    const mounted = await page.evaluate(() => ({ ...(window as unknown as ReactTestWindow).reactTest.renders }));
    expect(mounted).toEqual({ counter: 1, pair: 1, whole: 1 });

    expect(await bump(page, 'a')).toEqual({ counter: 2, pair: 2, whole: 2 });
    expect(await text(page, 'counter')).toBe('a=1');
    expect(await text(page, 'pair')).toBe('pair.a=1');

    await bump(page, 'b');
    await bump(page, 'b');
    // The selector that builds a new object each time is held still by its isEqual.
    expect(await bump(page, 'b')).toEqual({ counter: 2, pair: 2, whole: 5 });
    expect(await text(page, 'whole')).toBe('a=1 b=3');

    expect(await bump(page, 'a')).toEqual({ counter: 3, pair: 3, whole: 6 });
    expect(errors).toEqual([]);
  });

  it('shows saving while a commit is not durable and saved once it is', async () => {
    const { page, errors } = await openReactPage();
    await mount(page, false);
    await waitFor(page, () => document.querySelector('#status')?.textContent === 'saved', { what: 'the save badge' });
    await bump(page, 'a');
    expect(await page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.statuses)).toEqual(['saved', 'saving', 'saved']);
    expect(errors).toEqual([]);
  });

  it('holds one subscription per hook under StrictMode double mounting, and none after unmounting', async () => {
    const { page, errors } = await openReactPage();
    const listeners = () => page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.listeners());
    await mount(page, true);
    await waitFor(page, () => document.querySelector('#whole')?.textContent === 'a=0 b=0', { what: 'the first render' });
    // Four hooks: Counter, Pair, Whole and SaveBadge.
    expect(await listeners()).toBe(4);

    await bump(page, 'a');
    expect(await text(page, 'counter')).toBe('a=1');
    expect(await listeners()).toBe(4);

    await page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.unmount());
    expect(await listeners()).toBe(0);
    expect(errors).toEqual([]);
  });
});
