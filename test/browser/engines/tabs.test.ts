// Several tabs on one store in every browser engine: three tabs of one context
// share an IndexedDB, each runs its own module worker, and their commits race
// for the journal; the tabs hear of each other's commits over BroadcastChannel.
import { expect, it } from 'vitest';
import { waitIn, type EngineContext, type EnginePage } from '../drivers/driver';
import type { RawJournalRecord, TabsView, TabsWindow } from '../pages/tabs';
import { describeInEachEngine } from './each-engine';

const TABS = ['A', 'B', 'C'] as const;
const COMMITS = 100;

async function openTab(context: EngineContext, url: string): Promise<EnginePage> {
  const page = await context.newPage(url);
  await waitIn(page, () => 'tabs' in window, undefined, { what: 'the tab to connect', timeoutMs: 20_000 });
  return page;
}

const view = (page: EnginePage) => page.evaluate(() => (window as unknown as TabsWindow).tabs.view()) as Promise<TabsView>;

describeInEachEngine('several tabs', (engine) => {
  it(`three tabs making ${COMMITS} concurrent commits each converge on one gapless journal, each tab in its own order`, async () => {
    const context = await engine.newContext();
    const tabs: EnginePage[] = [];
    for (const tab of TABS) tabs.push(await openTab(context, engine.url(`/test/browser/pages/tabs.html?tab=${tab}&store=journal`)));

    // Started without waiting, ten commits per task: the workers' write transactions interleave.
    // (Firefox runs a background tab's timers at most once a second, so fewer, larger tasks.)
    for (const page of tabs) await page.evaluate((count) => void (window as unknown as TabsWindow).tabs.burst(count, { chunk: 10 }), COMMITS);
    for (const page of tabs) {
      await waitIn(page, (count) => (window as unknown as TabsWindow).tabs.acked.length === count, COMMITS, { what: 'every commit acknowledged', timeoutMs: 30_000 });
      expect(await page.evaluate(() => (window as unknown as TabsWindow).tabs.failures)).toEqual([]);
    }

    // Every tab shows the same state at the same seq, with nothing pending.
    const total = TABS.length * COMMITS;
    const deadline = Date.now() + 15_000;
    let views = await Promise.all(tabs.map(view));
    while (!views.every((v) => v.confirmedSeq === total && v.pendingCommits === 0 && v.hash === views[0]!.hash)) {
      if (Date.now() > deadline) throw new Error(`no convergence on seq ${total}: ${JSON.stringify(views.map((v) => [v.confirmedSeq, v.pendingCommits, v.hash]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      views = await Promise.all(tabs.map(view));
    }
    const { state } = views[0]!;
    expect(state.counters).toEqual({ A: COMMITS, B: COMMITS, C: COMMITS });
    for (const tab of TABS) {
      expect(state.list.filter((item) => item.startsWith(`${tab}:`))).toEqual(Array.from({ length: COMMITS }, (_, n) => `${tab}:${n}`));
    }

    // The journal: seqs 1…total, no gap, no duplicate, in the order of the state's list.
    const journal = (await tabs[0]!.evaluate(() => (window as unknown as TabsWindow).tabs.readJournal())) as RawJournalRecord[];
    const commits = journal.flatMap((record) => record.commits);
    expect(commits.map((commit) => commit.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(commits.map((commit) => commit.events[1]?.item)).toEqual(state.list);
    console.info(`${engine.name}: ${total} commits from 3 tabs in ${journal.length} journal records`);
    expect(tabs.flatMap((page) => page.errors)).toEqual([]);
  });
});
