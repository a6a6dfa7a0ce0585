import { describe, expect, test } from 'vitest';
import { TransactionGate } from '../../worker/transaction-gate.js';

/** Work that records when it runs, and ends when told. */
function work(log: string[], name: string, fail = false) {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const run = async () => {
    log.push(`${name} starts`);
    await ended;
    log.push(`${name} ends`);
    if (fail) throw new Error(`${name} failed`);
    return name;
  };
  return { run, end };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('TransactionGate', () => {
  test('one at a time (WebKit): each work starts once the one before it ended, failed or not, in order', async () => {
    const gate = new TransactionGate(true);
    const log: string[] = [];
    const [a, b, c] = [work(log, 'a', true), work(log, 'b'), work(log, 'c')];
    const results = [gate.run(a.run), gate.run(b.run), gate.run(c.run)];
    await tick();
    expect(log).toEqual(['a starts']);
    a.end();
    await expect(results[0]).rejects.toThrow('a failed');
    await tick();
    expect(log).toEqual(['a starts', 'a ends', 'b starts']);
    b.end();
    c.end();
    expect(await Promise.all(results.slice(1))).toEqual(['b', 'c']);
    expect(log).toEqual(['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends']);
  });

  test('elsewhere, work runs at once, side by side', async () => {
    const gate = new TransactionGate(false);
    const log: string[] = [];
    const [a, b] = [work(log, 'a'), work(log, 'b')];
    const results = [gate.run(a.run), gate.run(b.run)];
    expect(log).toEqual(['a starts', 'b starts']);
    a.end();
    b.end();
    expect(await Promise.all(results)).toEqual(['a', 'b']);
  });
});
