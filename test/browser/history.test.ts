// History in real Chromium: a real module Worker owns a real IndexedDB; the
// page uses the public API. Rewinds across two tabs, backups carried from one
// browser profile (context) to another, and workers killed mid-rewind.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashState } from 'tidemark';
import { startHarness, waitFor, type Harness, type HarnessPage } from './harness';
import type { HistoryPageApi, Result } from './pages/history';
import { CURRENT_VERSION, stateAfter, type EngineStoreConfig } from './pages/engine.store';

const historyPage = '/test/browser/pages/history.html';

let harness: Harness | undefined;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

const opened: HarnessPage[] = [];
afterEach(async () => {
  for (const { context } of opened.splice(0)) await context.close();
});

function uniqueStore(label: string, options: Partial<EngineStoreConfig> = {}): EngineStoreConfig {
  return { name: `history-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION, snapshots: 3, ...options };
}

async function ready(page: Page): Promise<Page> {
  await waitFor(page, () => 'th' in window, { what: 'the history page to publish window.th' });
  return page;
}

async function openPage(): Promise<HarnessPage> {
  const opened1 = await harness!.newPage(historyPage);
  opened.push(opened1);
  await ready(opened1.page);
  return opened1;
}

function th<M extends keyof HistoryPageApi>(page: Page, method: M, ...args: Parameters<HistoryPageApi[M]>): Promise<Awaited<ReturnType<HistoryPageApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => ((window as unknown as { th: Record<string, (...a: unknown[]) => unknown> }).th[method]!)(...args),
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<HistoryPageApi[M]>>>;
}

function ok<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed on the page with ${result.code ?? 'no code'}: ${result.message}`);
  return result.value;
}

describe('history in Chromium, with a real worker and real IndexedDB', () => {
  it('lists history, rebuilds past states, verifies, rewinds and undoes, through the worker', async () => {
    const { page, errors } = await openPage();
    const config = uniqueStore('api');
    ok(await th(page, 'connect', config), 'connect');
    await th(page, 'commitNumbered', 1, 10);
    ok(await th(page, 'checkpoint'), 'checkpoint');
    await th(page, 'commitNumbered', 11, 20);

    const history = ok(await th(page, 'history', { limit: 5 }), 'history');
    expect(history.window).toEqual({ firstSeq: 0, lastSeq: 20 });
    expect(history.commits.map((c) => c.seq)).toEqual([20, 19, 18, 17, 16]);
    for (const seq of [0, 5, 10, 15, 20]) expect(ok(await th(page, 'stateAt', seq), `stateAt(${seq})`)).toBe(hashState(stateAfter(seq)));
    expect(await th(page, 'stateAt', 21)).toMatchObject({ ok: false, code: 'HISTORY_OUT_OF_RANGE' });
    expect(ok(await th(page, 'verify'), 'verify')).toMatchObject({ ok: true, throughSeq: 20, snapshotsChecked: [10], liveChecked: true });

    const rewound = ok(await th(page, 'rewind', 7), 'rewind');
    expect(rewound).toMatchObject({ seq: 21, toSeq: 7, safetySnapshot: { seq: 20, kind: 'rewind' } });
    expect((await th(page, 'waitForSeq', 21)).hash).toBe(hashState(stateAfter(7)));
    expect(ok(await th(page, 'rewinds'), 'rewinds').map((s) => s.seq)).toEqual([20]);
    ok(await th(page, 'rewind', 20), 'undo');
    expect((await th(page, 'waitForSeq', 22)).hash).toBe(hashState(stateAfter(20)));

    // The worker is killed; a new one loads the same state.
    th(page, 'terminate');
    expect(ok(await th(page, 'connect', config), 'reconnect')).toEqual({ seq: 22, hash: hashState(stateAfter(20)) });
    expect(errors).toEqual([]);
  });

  it('a rewind in one tab shows in another tab of the same profile', async () => {
    const first = await openPage();
    const config = uniqueStore('tabs');
    ok(await th(first.page, 'connect', config), 'connect tab 1');
    await th(first.page, 'commitNumbered', 1, 12);
    const second = await ready(await first.context.newPage().then(async (p) => (await p.goto(harness!.url(historyPage)), p)));
    ok(await th(second, 'connect', config), 'connect tab 2');
    expect(await th(second, 'state')).toMatchObject({ seq: 12 });

    ok(await th(first.page, 'rewind', 4), 'rewind in tab 1');
    expect(await th(second, 'waitForSeq', 13)).toEqual({ seq: 13, hash: hashState(stateAfter(4)) });
    // Tab 2 writes on from the rewound state, and tab 1 sees it.
    await th(second, 'commitNumbered', 5, 5);
    expect((await th(first.page, 'waitForSeq', 14)).hash).toBe(hashState(stateAfter(5)));
  });

  it('a backup exported on one profile imports on another with an equal hash; a damaged one is BACKUP_INVALID', async () => {
    const config = uniqueStore('backup');
    const home = await openPage();
    ok(await th(home.page, 'connect', config), 'connect at home');
    await th(home.page, 'commitNumbered', 1, 30);
    ok(await th(home.page, 'checkpoint'), 'checkpoint');
    await th(home.page, 'commitNumbered', 31, 40);
    const file = ok(await th(home.page, 'exportBackup'), 'exportBackup');

    const work = await openPage(); // a new context: another profile, an empty IndexedDB
    ok(await th(work.page, 'connect', config), 'connect at work');
    const damaged = file.slice(0, Math.floor(file.length / 2));
    expect(await th(work.page, 'importBackup', damaged)).toMatchObject({ ok: false, code: 'BACKUP_INVALID' });
    expect(await th(work.page, 'state')).toMatchObject({ seq: 0 });
    const imported = ok(await th(work.page, 'importBackup', file), 'importBackup');
    expect(imported).toMatchObject({ mode: 'loaded', seq: 40, hash: hashState(stateAfter(40)) });
    expect(await th(work.page, 'waitForSeq', 40)).toEqual({ seq: 40, hash: hashState(stateAfter(40)) });
    th(work.page, 'terminate');
    expect(ok(await th(work.page, 'connect', config), 'reload at work')).toEqual({ seq: 40, hash: hashState(stateAfter(40)) });
    expect(home.errors).toEqual([]);
  });

  it('a worker killed at random instants of a rewind leaves the old state or the new one, never a mix', async () => {
    const { page } = await openPage();
    // How long a rewind takes here, to spread the kills over it.
    const probe = uniqueStore('probe');
    ok(await th(page, 'connect', probe), 'connect probe');
    await th(page, 'commitNumbered', 1, 200);
    const t0 = Date.now();
    ok(await th(page, 'rewind', 50), 'probe rewind');
    const rewindMs = Math.max(5, Date.now() - t0);
    th(page, 'terminate');

    const outcomes = { old: 0, new: 0 };
    const rounds = 16;
    for (let round = 0; round < rounds; round++) {
      const config = uniqueStore(`kill-${round}`);
      ok(await th(page, 'connect', config), `connect round ${round}`);
      await th(page, 'commitNumbered', 1, 200);
      // Spread over the rewind and a little past it, with jitter: the kill lands in each of its steps.
      const killAfterMs = Math.max(0, Math.floor(((round + Math.random() - 0.5) / (rounds - 1)) * rewindMs * 1.5));
      await th(page, 'rewindThenKill', 50, killAfterMs);
      const after = ok(await th(page, 'connect', config), `reconnect round ${round}`);
      if (after.hash === hashState(stateAfter(200))) {
        expect(after.seq, `round ${round}: the old state at the old seq`).toBe(200);
        outcomes.old++;
      } else {
        expect(after, `round ${round} (killed after ${killAfterMs} ms): neither the old state nor the new one`).toEqual({ seq: 201, hash: hashState(stateAfter(50)) });
        outcomes.new++;
      }
      expect(ok(await th(page, 'verify'), `verify round ${round}`).ok).toBe(true);
      th(page, 'terminate');
    }
    console.log(`rewind ${rewindMs} ms; kills left the old state ${outcomes.old}×, the new one ${outcomes.new}×`);
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new).toBeGreaterThan(0);
  });
});
