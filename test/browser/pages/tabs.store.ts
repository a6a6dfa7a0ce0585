// The store of the several-tabs page (tabs.html), imported by the page and by
// its worker. Every commit the page makes holds two events — its tab's counter
// and the shared total go up, and `<tab>:<n>` is appended to the shared list —
// so a commit applied in part shows up as a counter that disagrees with the list.
import { defineStore, type EventsOf } from 'tidemark';

export interface TabsState {
  /** Commits per tab. */
  counters: Record<string, number>;
  /** Commits of every tab. */
  total: number;
  /** `<tab>:<n>` for every commit, in journal order. */
  list: string[];
}

/**
 * Which store a tab opens; the page names its worker after it.
 * - `journal`: snapshots only when asked, so the journal keeps every commit.
 * - `trim`: the same, keeping one snapshot: each `checkpoint()` trims the journal behind it.
 * - `trim-quiet`: `trim` served with `broadcast: false`, a tab whose worker hears
 *   nothing from the others (as when it was frozen in the background) until it writes.
 */
export type TabsVariant = 'journal' | 'trim' | 'trim-quiet';

export const TABS_VARIANTS: readonly TabsVariant[] = ['journal', 'trim', 'trim-quiet'];

const events = {
  counted: (s: TabsState, e: { tab: string }): TabsState => ({
    ...s,
    counters: { ...s.counters, [e.tab]: (s.counters[e.tab] ?? 0) + 1 },
    total: s.total + 1,
  }),
  appended: (s: TabsState, e: { item: string }): TabsState => ({ ...s, list: [...s.list, e.item] }),
};

// Never a periodic snapshot (nor one on page hide): the tests decide when the journal is trimmed.
const manualOnly = { everyEvents: Infinity, everyMs: Infinity, cooldownMs: Infinity };
const initial = (): TabsState => ({ counters: {}, total: 0, list: [] });

export const journalStore = defineStore({ name: 'tabs-journal', initial, events, checkpoint: manualOnly });
export const trimStore = defineStore({ name: 'tabs-trim', initial, events, checkpoint: manualOnly, retention: { snapshots: 1 } });

export type TabsEvent = EventsOf<typeof journalStore>;

/** The store definition of a variant. */
export function storeOf(variant: TabsVariant) {
  return variant === 'journal' ? journalStore : trimStore;
}

/** The variant named by `text` (a `?store=` parameter or a worker's name), else `journal`. */
export function parseVariant(text: string | null | undefined): TabsVariant {
  return TABS_VARIANTS.find((variant) => variant === text) ?? 'journal';
}

/** The two events of commit `n` of tab `tab`. */
export function commitOf(tab: string, n: number): [TabsEvent, TabsEvent] {
  return [
    { type: 'counted', tab },
    { type: 'appended', item: `${tab}:${n}` },
  ];
}
