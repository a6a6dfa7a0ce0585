// One tab of the several-tabs test: starts its own module worker on the store
// named by `?store=` (see TabsVariant), connects to it, and publishes
// window.tabs for test/browser/tabs.test.ts. `?tab=` names the tab in the
// events it commits.
import { connectStore, hashState, type ClientStore } from 'tidemark';
import { commitOf, parseVariant, storeOf, type TabsEvent, type TabsState, type TabsVariant } from './tabs.store';

export type { TabsState, TabsVariant } from './tabs.store';

/** A journal record as read straight from IndexedDB. */
export interface RawJournalRecord {
  seq: number;
  last: number;
  commits: Array<{ seq: number; origin: string; events: Array<{ type: string; [field: string]: unknown }> }>;
}

/** What the page shows the test in one read. */
export interface TabsView {
  hash: string;
  confirmedSeq: number;
  pendingCommits: number;
  state: TabsState;
}

export interface TabsPage {
  readonly tab: string;
  readonly variant: TabsVariant;
  readonly store: ClientStore<TabsState, TabsEvent>;
  /** Commits started so far; the next one appends `<tab>:<issued>`. */
  issued: number;
  /** The `n` of every commit whose promise resolved, in the order they resolved. */
  acked: number[];
  /** The error code of every commit that rejected. */
  failures: string[];
  /**
   * Starts `count` commits without awaiting any, `chunk` of them per task with
   * `pauseMs` between tasks (all in one task by default), and resolves once
   * every one has settled.
   */
  burst(count: number, pacing?: { chunk?: number; pauseMs?: number }): Promise<void>;
  /** The state, its hash and the commit counts, read at one instant. */
  view(): TabsView;
  /**
   * Starts listening (through `subscribe`) for `item` to appear in the list;
   * `arrival(item)` then resolves with the Date.now() of the first change that held it.
   */
  watchFor(item: string): void;
  /** See watchFor; rejects if the item has not arrived within `timeoutMs`. */
  arrival(item: string, timeoutMs: number): Promise<number>;
  /** Every record of the store's `journal` object store, read with a connection of the page's own. */
  readJournal(): Promise<RawJournalRecord[]>;
}

/** The page's window, as the test sees it inside `page.evaluate`. */
export interface TabsWindow {
  tabs: TabsPage;
}

const params = new URLSearchParams(location.search);
const tab = params.get('tab') ?? 'tab';
const variant = parseVariant(params.get('store'));
const def = storeOf(variant);
const worker = new Worker(new URL('./tabs.worker.ts', import.meta.url), { type: 'module', name: variant });
const store = await connectStore(def, worker);
const arrivals = new Map<string, Promise<number>>();

const tabs: TabsPage = {
  tab,
  variant,
  store,
  issued: 0,
  acked: [],
  failures: [],
  async burst(count, { chunk = count, pauseMs = 0 } = {}) {
    const settled: Array<Promise<void>> = [];
    for (let started = 0; started < count; started += chunk) {
      if (started > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      for (let i = started; i < Math.min(count, started + chunk); i++) {
        const n = tabs.issued++;
        settled.push(
          store.commit(...commitOf(tab, n)).then(
            () => void tabs.acked.push(n),
            (error: unknown) => void tabs.failures.push((error as { code?: string }).code ?? String(error)),
          ),
        );
      }
    }
    await Promise.all(settled);
  },
  view() {
    const state = store.getState();
    return { hash: hashState(state), confirmedSeq: store.confirmedSeq, pendingCommits: store.pendingCommits, state };
  },
  watchFor(item) {
    arrivals.set(
      item,
      new Promise((resolve) => {
        const off = store.subscribe((state) => {
          if (!state.list.includes(item)) return;
          off();
          resolve(Date.now());
        });
      }),
    );
  },
  arrival(item, timeoutMs) {
    const arrived = arrivals.get(item);
    if (!arrived) return Promise.reject(new Error(`watchFor(${JSON.stringify(item)}) was not called`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${item} did not reach tab ${tab} within ${timeoutMs} ms`)), timeoutMs);
      void arrived.then((at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  },
  readJournal() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(def.name);
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        const read = db.transaction('journal').objectStore('journal').getAll();
        read.onerror = () => reject(read.error);
        read.onsuccess = () => {
          db.close();
          resolve(read.result as RawJournalRecord[]);
        };
      };
    });
  },
};

(window as unknown as TabsWindow).tabs = tabs;
