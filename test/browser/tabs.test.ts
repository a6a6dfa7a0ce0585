// Several tabs on one store, in real Chromium: pages of ONE browser context
// share an IndexedDB, and each runs its own module worker with serveStore, so
// the workers race each other for the journal exactly as an app's tabs do
// (DESIGN.md, "Several tabs"). Every commit a tab makes holds two events (its
// counter and the shared list, see pages/tabs.store.ts), so a torn commit shows.
import type { BrowserContext, JSHandle, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';
import type { RawJournalRecord, TabsPage, TabsState, TabsVariant, TabsView, TabsWindow } from './pages/tabs';
import { storeOf } from './pages/tabs.store';

interface Tab {
  readonly name: string;
  readonly page: Page;
  /** window.tabs of the page; replaced after a reload. */
  handle: JSHandle<TabsPage>;
  /** Console errors, uncaught errors and crashes of the page and its worker. */
  readonly errors: string[];
}

let harness: Harness | undefined;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(async () => {
  await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
});
afterAll(() => harness?.close());

/** A browser context of its own: one empty IndexedDB that all of its tabs share. */
async function newContext(): Promise<BrowserContext> {
  const context = await (harness ?? expect.unreachable('startHarness() did not finish')).browser.newContext();
  contexts.push(context);
  return context;
}

/** Opens a tab of tabs.html in `context` and waits until its store is connected. */
async function openTab(context: BrowserContext, name: string, variant: TabsVariant): Promise<Tab> {
  const page = await context.newPage();
  const errors: string[] = [];
  const report = (kind: string, text: string) => {
    errors.push(`${kind}: ${text}`);
    console.error(`[tab ${name} ${kind}] ${text}`);
  };
  page.on('console', (message) => {
    // Chromium asks every origin for /favicon.ico by itself; its 404 says nothing about the page.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) report('console.error', message.text());
  });
  page.on('pageerror', (error) => report('uncaught', error.stack ?? error.message));
  page.on('crash', () => report('crash', page.url()));
  const started = harness ?? expect.unreachable('startHarness() did not finish');
  await page.goto(started.url(`/test/browser/pages/tabs.html?tab=${name}&store=${variant}`));
  return { name, page, handle: await tabsOf(page), errors };
}

function openTabs(context: BrowserContext, names: readonly string[], variant: TabsVariant): Promise<Tab[]> {
  return Promise.all(names.map((name) => openTab(context, name, variant)));
}

async function tabsOf(page: Page): Promise<JSHandle<TabsPage>> {
  // Interval polling: requestAnimationFrame, the default, does not run in a tab that is not in front.
  await page.waitForFunction(() => 'tabs' in window, undefined, { polling: 20, timeout: 20_000 });
  return page.evaluateHandle(() => (window as unknown as TabsWindow).tabs);
}

const view = (tab: Tab): Promise<TabsView> => tab.handle.evaluate((tabs) => tabs.view());
const burst = (tab: Tab, count: number, pacing: { chunk?: number; pauseMs?: number } = {}) =>
  tab.handle.evaluate((tabs, a) => tabs.burst(a.count, a.pacing), { count, pacing });
const commitOne = (tab: Tab) => burst(tab, 1);
const acked = (tab: Tab) => tab.handle.evaluate((tabs) => [...tabs.acked]);
const failures = (tab: Tab) => tab.handle.evaluate((tabs) => [...tabs.failures]);
const stats = (tab: Tab) => tab.handle.evaluate((tabs) => tabs.store.stats());
const readJournal = (tab: Tab): Promise<RawJournalRecord[]> => tab.handle.evaluate((tabs) => tabs.readJournal());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls until every tab shows the same state at the same confirmed seq, with
 * nothing pending, and returns that view. `seq` is the seq to reach, or a
 * function that reads it afresh each round (e.g. from the journal).
 */
async function converge(tabs: readonly Tab[], seq: number | (() => Promise<number>), timeoutMs = 15_000): Promise<TabsView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const want = typeof seq === 'number' ? seq : await seq();
    const views = await Promise.all(tabs.map(view));
    const first = views[0]!;
    if (views.every((v) => v.hash === first.hash && v.confirmedSeq === want && v.pendingCommits === 0)) return first;
    if (Date.now() > deadline) {
      const seen = views.map((v, i) => `${tabs[i]!.name}: seq ${v.confirmedSeq}, pending ${v.pendingCommits}, hash ${v.hash}`);
      throw new Error(`The tabs did not converge on seq ${want} within ${timeoutMs} ms (${seen.join('; ')})`);
    }
    await sleep(25);
  }
}

/** The state that commits appending `items` (`<tab>:<n>`), in this order, make from the initial one. */
function stateOf(items: readonly string[]): TabsState {
  const counters: Record<string, number> = {};
  for (const item of items) {
    const tab = item.slice(0, item.indexOf(':'));
    counters[tab] = (counters[tab] ?? 0) + 1;
  }
  return { counters, total: items.length, list: [...items] };
}

/** `<tab>:0` … `<tab>:<count - 1>`. */
const itemsOf = (tab: string, count: number) => Array.from({ length: count }, (_, n) => `${tab}:${n}`);
/** The items `tab` appended, in list order. */
const itemsIn = (list: readonly string[], tab: string) => list.filter((item) => item.startsWith(`${tab}:`));
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Checks the raw journal: commit seqs run 1…n with no gap and no duplicate,
 * each record holds exactly its seqs, and every commit is the two events of
 * one tab's commit, in journal order the same as the state's list.
 */
function checkJournal(records: readonly RawJournalRecord[], state: TabsState): void {
  const commits = records.flatMap((record) => {
    expect(record.commits.map((c) => c.seq)).toEqual(Array.from({ length: record.last - record.seq + 1 }, (_, i) => record.seq + i));
    return record.commits;
  });
  expect(commits.map((c) => c.seq)).toEqual(oneTo(commits.length));
  for (const commit of commits) {
    const [counted, appended, ...more] = commit.events;
    expect(more).toEqual([]);
    expect(counted?.type).toBe('counted');
    expect(appended?.type).toBe('appended');
    expect(appended?.item).toMatch(new RegExp(`^${String(counted?.tab)}:\\d+$`));
  }
  expect(commits.map((c) => c.events[1]!.item)).toEqual(state.list);
}

/** Rejects with `what` if `promise` has not settled within `ms`. */
async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Pauses the one running worker whose URL holds `urlPart` in the debugger,
 * through the DevTools protocol: its thread runs nothing until `resume()`,
 * as when the browser freezes a tab, and it holds its Web Locks meanwhile.
 */
async function pauseOnlyWorker(urlPart: string): Promise<{ resume: () => Promise<void> }> {
  const cdp = await (harness ?? expect.unreachable('startHarness() did not finish')).browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const workers = targetInfos.filter((target) => target.type === 'worker' && target.url.includes(urlPart));
  expect(workers, `one worker of ${urlPart} running`).toHaveLength(1);
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0]!.targetId, flatten: false });
  let id = 0;
  const send = (method: string) => cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: ++id, method }) });
  await send('Debugger.enable');
  await send('Debugger.pause');
  return {
    async resume() {
      await send('Debugger.resume');
      await cdp.detach();
    },
  };
}

/** How often consecutive list items come from different tabs: shows how finely the tabs' commits interleaved. */
const switches = (list: readonly string[]) => list.filter((item, i) => i > 0 && item[0] !== list[i - 1]![0]).length;

describe('several tabs on one store, each with its own worker', () => {
  it('three tabs making 300 concurrent commits each converge on one gapless journal of 900, each tab in its own order', async () => {
    const context = await newContext();
    const tabs = await openTabs(context, ['A', 'B', 'C'], 'journal');

    // Five commits per task, one task after another, none awaited: the workers' write transactions interleave.
    await Promise.all(tabs.map((tab) => burst(tab, 300, { chunk: 5 })));
    for (const tab of tabs) {
      expect(await failures(tab)).toEqual([]);
      expect((await acked(tab)).sort((x, y) => x - y)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    }

    const converged = await converge(tabs, 900);
    const { state } = converged;
    for (const tab of tabs) {
      const fromWorker = await stats(tab);
      expect(fromWorker.seq).toBe(900);
      expect(fromWorker.hash).toBe(converged.hash);
    }
    expect(state.total).toBe(900);
    expect(state.counters).toEqual({ A: 300, B: 300, C: 300 });
    for (const tab of tabs) expect(itemsIn(state.list, tab.name)).toEqual(itemsOf(tab.name, 300));

    const journal = await readJournal(tabs[0]!);
    checkJournal(journal, state);
    console.info(`900 commits in ${journal.length} journal records; the list changes tab ${switches(state.list)} times`);

    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
  });

  it('a tab closed in the middle of its burst loses none of its acknowledged commits, and the others converge without it', async () => {
    const context = await newContext();
    const tabs = await openTabs(context, ['A', 'B', 'C'], 'journal');
    const [a, b, c] = tabs as [Tab, Tab, Tab];

    // Paced so that every burst lasts a good while: A and B keep writing after C is gone.
    const pacing = { chunk: 3, pauseMs: 4 };
    const bursts = [a, b].map((tab) => burst(tab, 300, pacing));
    const cBurst = burst(c, 300, pacing).catch(() => 'closed');
    await c.page.waitForFunction(() => (window as unknown as TabsWindow).tabs.acked.length >= 60, undefined, { polling: 5, timeout: 20_000 });
    const ackedBeforeClose = await acked(c);
    await c.page.close();
    expect(await cBurst).toBe('closed');
    expect(ackedBeforeClose.length).toBeLessThan(300); // closed mid-burst, or the test proves nothing

    await Promise.all(bursts);
    for (const tab of [a, b]) {
      expect(await failures(tab)).toEqual([]);
      expect(await acked(tab)).toHaveLength(300);
    }

    const lastSeq = async () => (await readJournal(a)).at(-1)?.last ?? 0;
    const { state, hash } = await converge([a, b], lastSeq);
    const journal = await readJournal(a);
    checkJournal(journal, state);

    // C's commits that made it are a prefix of the ones it started, and hold every one it saw acknowledged.
    const cItems = itemsIn(state.list, 'C');
    expect(cItems).toEqual(itemsOf('C', cItems.length));
    expect(cItems.length).toBeGreaterThanOrEqual(ackedBeforeClose.length);
    for (const n of ackedBeforeClose) expect(cItems).toContain(`C:${n}`);
    expect(itemsIn(state.list, 'A')).toEqual(itemsOf('A', 300));
    expect(itemsIn(state.list, 'B')).toEqual(itemsOf('B', 300));
    // Both events of every commit or neither: the counters agree with the list.
    expect(state).toEqual(stateOf(state.list));
    expect(state.total).toBe(600 + cItems.length);
    console.info(`C was closed with ${ackedBeforeClose.length} of 300 commits acknowledged; ${cItems.length} are in the journal`);

    // A tab opened afterwards loads the same state from the database.
    const again = await openTab(context, 'C', 'journal');
    const reopened = await view(again);
    expect(reopened.hash).toBe(hash);
    expect(reopened.confirmedSeq).toBe(state.total);

    expect([...tabs, again].flatMap((tab) => tab.errors)).toEqual([]);
  });

  it('every tab, reloaded at once, rebuilds the same state and keeps writing', async () => {
    const context = await newContext();
    const tabs = await openTabs(context, ['A', 'B', 'C'], 'journal');
    await Promise.all(tabs.map((tab) => burst(tab, 100, { chunk: 10 })));
    const before = await converge(tabs, 300);

    await Promise.all(tabs.map((tab) => tab.page.reload()));
    for (const tab of tabs) tab.handle = await tabsOf(tab.page);
    for (const tab of tabs) {
      const after = await view(tab);
      expect(after.hash).toBe(before.hash);
      expect(after.confirmedSeq).toBe(300);
      expect(await tab.handle.evaluate((t) => t.store.loadReport.commitsReplayed)).toBe(300);
    }

    // Their workers are writers again: one more commit each, and they agree once more.
    await Promise.all(tabs.map(commitOne));
    const { state } = await converge(tabs, 303);
    expect(state.counters).toEqual({ A: 101, B: 101, C: 101 });

    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
  });

  it("one tab's checkpoints trimming the journal break neither an idle tab nor one whose worker missed every announcement", async () => {
    const context = await newContext();
    const [a, b] = (await openTabs(context, ['A', 'B'], 'trim')) as [Tab, Tab];
    // Q's worker neither hears nor announces commits (broadcast: false), like a tab frozen in the background.
    const q = await openTab(context, 'Q', 'trim-quiet');
    await commitOne(b);
    await commitOne(q);
    const qSeq = 2;
    await converge([q], qSeq);

    // A commits and checkpoints five times; retention 1, so each checkpoint trims the journal behind it.
    for (let round = 0; round < 5; round++) {
      await burst(a, 10);
      expect((await a.handle.evaluate((tabs) => tabs.store.checkpoint()))?.seq).toBe(2 + 10 * (round + 1));
    }
    const trimmed = await stats(a);
    expect(trimmed.snapshots.map((s) => s.seq)).toEqual([52]);
    expect(trimmed.journal.firstSeq).toBeGreaterThan(qSeq + 1);
    const itemsAfterA = ['B:0', 'Q:0', ...itemsOf('A', 50)];

    // Q's next commit finds the journal trimmed past its seq: its worker reloads from the snapshot, then writes.
    expect((await view(q)).confirmedSeq).toBe(qSeq);
    await commitOne(q);
    expect(await failures(q)).toEqual([]);
    expect((await stats(q)).load.snapshotSeq).toBe(52);
    const qView = await converge([q], 53);
    expect(qView.state).toEqual(stateOf([...itemsAfterA, 'Q:1']));

    // B sat idle through all of it; its commit lands after Q's, and A hears of it.
    await commitOne(b);
    expect(await failures(b)).toEqual([]);
    const { state } = await converge([a, b], 54);
    expect(state).toEqual(stateOf([...itemsAfterA, 'Q:1', 'B:1']));
    expect((await stats(a)).seq).toBe(54);

    expect([a, b, q].flatMap((tab) => tab.errors)).toEqual([]);
  });

  it("a tab whose worker is frozen while it holds the writer role blocks no other tab's commits or trims; woken, it appends after them", async () => {
    const context = await newContext();
    const a = await openTab(context, 'A', 'trim');
    await burst(a, 5);
    // From its first commit on, A's worker holds the writer role (a Web Lock) and appends without reading the tail.
    const writerLock = `tidemark:${storeOf('trim').name}:writer`;
    await expect.poll(() => a.page.evaluate(async () => (await navigator.locks.query()).held?.map((lock) => lock.name))).toContain(writerLock);
    const frozen = await pauseOnlyWorker('tabs.worker');

    const b = await openTab(context, 'B', 'trim');
    for (let round = 0; round < 3; round++) {
      // Commits complete without the role (B reads the tail); a hang here would be the frozen holder blocking B.
      await within(5_000, burst(b, 5), `B's commits while A's worker is frozen`);
      await within(5_000, b.handle.evaluate((tabs) => tabs.store.checkpoint()), `B's checkpoint while A's worker is frozen`);
    }
    expect(await acked(b)).toHaveLength(15);
    // Retention keeps one snapshot, but B, without the role, trimmed nothing A could append over.
    expect((await stats(b)).journal.firstSeq).toBe(1);

    await frozen.resume();
    await burst(a, 5);
    const { state } = await converge([a, b], 25);
    checkJournal(await readJournal(a), state);
    expect(state.list).toEqual([...itemsOf('A', 5), ...itemsOf('B', 15), ...itemsOf('A', 10).slice(5)]);
    expect([a, b].flatMap((tab) => tab.errors)).toEqual([]);
  });

  it("a commit in one tab reaches every other tab's subscribers without their asking", async () => {
    const context = await newContext();
    const tabs = await openTabs(context, ['A', 'B', 'C'], 'journal');
    const delays: string[] = [];

    for (const [i, from] of tabs.entries()) {
      const item = `${from.name}:0`;
      const others = tabs.filter((tab) => tab !== from);
      await Promise.all(others.map((tab) => tab.handle.evaluate((t, watched) => t.watchFor(watched), item)));
      await commitOne(from);
      const ackedAt = Date.now();
      // Resolves from the subscribe listener alone; rejects if the commit takes more than 2 s to arrive.
      const arrivals = await Promise.all(others.map((tab) => tab.handle.evaluate((t, watched) => t.arrival(watched, 2_000), item)));
      for (const [j, tab] of others.entries()) {
        expect((await view(tab)).confirmedSeq).toBe(i + 1);
        delays.push(`${from.name}→${tab.name} ${arrivals[j]! - ackedAt} ms`);
      }
    }
    console.info(`arrival after the commit resolved (clock of the test; negative = before): ${delays.join(', ')}`);
    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
  });
});
