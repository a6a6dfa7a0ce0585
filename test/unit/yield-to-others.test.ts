import { expect, test } from 'vitest';
import { yieldToOthers } from '../../worker/yield-to-others.js';

test('work that yields between slices lets timers and I/O run in Node too (a checkpoint must not hold commits back)', async () => {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  let immediates = 0;
  const again = (): void => {
    immediates++;
    if (immediates < 1000) setImmediate(again); // fake-indexeddb delivers its events this way
  };
  setImmediate(again);
  const end = performance.now() + 60;
  while (performance.now() < end) {
    const slice = performance.now();
    while (performance.now() - slice < 5); // 5 ms of work
    await yieldToOthers();
  }
  clearInterval(timer);
  // ~12 slices: a turn for the timer and the I/O queue after most of them (a port drained in one go gave 1).
  expect(ticks).toBeGreaterThanOrEqual(5);
  expect(immediates).toBeGreaterThanOrEqual(5);
});
