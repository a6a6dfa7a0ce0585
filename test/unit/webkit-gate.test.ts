import { afterEach, describe, expect, test, vi } from 'vitest';
import { memoryRemote } from 'tidemark/worker';
import { freshIndexedDB, todoStore } from './fixtures.js';

// WebKit's IndexedDB can be left unable to run any transaction when a worker
// ends with two of its transactions in flight (see worker/transaction-gate.ts):
// there, every transaction of the engine, its uploader and its history goes
// through one gate. This runs them all at once, as WebKit, and watches for
// two transactions in flight.

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';

/** Records each transaction created while another was in flight (created, not yet complete or aborted), with where both came from. */
function watchTransactions() {
  const prototype = globalThis.IDBDatabase.prototype;
  const original = prototype.transaction;
  const inFlight = new Map<IDBTransaction, string>();
  const overlaps: string[] = [];
  prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = original.apply(this, args);
    const where = callers(new Error().stack);
    if (inFlight.size > 0) overlaps.push(`${[...tx.objectStoreNames].join('+')} from ${where}, while ${[...inFlight.values()].join(' and ')} ran`);
    inFlight.set(tx, where);
    const over = () => inFlight.delete(tx);
    tx.addEventListener('complete', over);
    tx.addEventListener('abort', over);
    return tx;
  } as IDBDatabase['transaction'];
  return { overlaps, restore: () => (prototype.transaction = original) };
}

/** The worker/ frames of a stack, innermost first. */
function callers(stack = ''): string {
  return stack.split('\n').filter((line) => line.includes('/worker/')).slice(0, 3).map((line) => line.trim().replace(/^at /, '').replace(/\(.*\/worker\//, '(')).join(' < ');
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe('WebKit: one IndexedDB transaction at a time per worker', () => {
  test('commits, checkpoints, uploads, history, rewinds, backups and imports never overlap', async () => {
    vi.stubGlobal('navigator', { userAgent: SAFARI, onLine: true });
    vi.resetModules();
    const { openStore } = await import('tidemark/worker');
    const def = todoStore({ checkpoint: { everyEvents: 5, cooldownMs: 0 }, snapshots: 50 });
    const watched = watchTransactions();
    try {
      const store = await openStore(def, { indexedDB: freshIndexedDB(), remote: memoryRemote({ uploadDelayMs: 0, snapshotEveryCommits: 10, snapshotCooldownMs: 0 }) });
      for (let i = 0; i < 10; i++) await store.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
      const backup = await store.exportBackup();
      // Everything at once, uploads running behind the commits.
      const commits = Array.from({ length: 30 }, (_, i) => store.commit({ type: 'incremented', by: i }));
      const work = [
        ...commits,
        store.whenUploaded(),
        store.rewind(8),
        store.importBackup(backup, { replace: true }),
        store.stats(),
        store.history({ limit: 5 }),
        store.stateAt(7),
        store.verify(),
        store.rewinds(),
        store.exportBackup(),
        store.checkpoint(),
      ];
      await Promise.all(work);
      await store.whenUploaded();
      await store.close();
    } finally {
      watched.restore();
    }
    expect(watched.overlaps).toEqual([]);
  });
});
