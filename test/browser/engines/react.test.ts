// tidemark/react with React 19 in every browser engine: a component re-renders
// once per commit that changes its slice and not for others, and StrictMode's
// double mount leaves one subscription per hook, none after unmounting.
import { expect, it } from 'vitest';
import { waitIn, type EnginePage } from '../drivers/driver';
import type { ReactTestWindow, RenderCounts } from '../pages/react';
import { describeInEachEngine } from './each-engine';

/** Bumps a counter, waits until it is durable and React has painted it, and returns the render counts. */
function bump(page: EnginePage, counter: 'a' | 'b'): Promise<RenderCounts> {
  return page.evaluate(async (counter) => {
    const { reactTest } = window as unknown as ReactTestWindow;
    await reactTest.bump(counter);
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { ...reactTest.renders };
  }, counter);
}

const text = (page: EnginePage, id: string) => page.evaluate((id) => document.getElementById(id)?.textContent ?? null, id);
const listeners = (page: EnginePage) => page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.listeners());

describeInEachEngine('useStore in React 19', (engine) => {
  it('re-renders for commits that change the slice and not for others, with one subscription per hook under StrictMode and none after unmounting', async () => {
    const page = await engine.openPage('/test/browser/pages/react.html');
    await waitIn(page, () => 'reactTest' in window, undefined, { what: 'the React page to connect to its store' });
    await page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.mount(true));
    await waitIn(page, () => document.querySelector('#whole')?.textContent === 'a=0 b=0', undefined, { what: 'the first render' });
    // Four hooks (Counter, Pair, Whole, SaveBadge), each subscribed once despite the double mount. React
    // subscribes in passive effects, after the paint: WebKit can show the text before they have run.
    await waitIn(page, () => (window as unknown as ReactTestWindow).reactTest.listeners() >= 4, undefined, { what: 'the hooks to subscribe' });
    expect(await listeners(page)).toBe(4);
    const mounted = await page.evaluate(() => ({ ...(window as unknown as ReactTestWindow).reactTest.renders }));

    const afterA = await bump(page, 'a');
    expect(afterA.counter - mounted.counter).toBeGreaterThan(0);
    expect(await text(page, 'counter')).toBe('a=1');
    // Commits to b leave the a-only components alone; the whole-state one follows each.
    const afterB = await bump(page, 'b');
    const afterB2 = await bump(page, 'b');
    expect(afterB2.counter).toBe(afterA.counter);
    expect(afterB2.pair).toBe(afterA.pair);
    expect(afterB2.whole).toBeGreaterThan(afterB.whole);
    expect(await text(page, 'whole')).toBe('a=1 b=2');

    await page.evaluate(() => (window as unknown as ReactTestWindow).reactTest.unmount());
    expect(await listeners(page)).toBe(0);
    expect(page.errors).toEqual([]);
  });
});
