// The store definitions of the engine page, imported by the page, its worker
// and the Node test (for the expected states). Two builds of one store: the
// current one (version 2) and an older one (version 1), which must refuse data
// the current one wrote.
import { defineStore, type EventsOf, type StateOf } from 'tidemark';
import type { Faults } from 'tidemark/testing';

/** Which store a worker serves; the page passes it to the worker as the Worker's `name`. */
export interface EngineStoreConfig {
  /** Also the IndexedDB database name: unique per test. */
  name: string;
  /** 2 is the current build, 1 an older one. */
  version: 1 | 2;
  /**
   * Snapshots kept.
   * @default 2
   */
  snapshots?: number;
  /**
   * Write a periodic snapshot every this many events (no cooldown), so
   * snapshot transactions overlap commits; none when absent.
   */
  checkpointEvery?: number;
  /** Faults the worker injects into its IndexedDB (tidemark/testing's faultyIndexedDB); none when absent. */
  faults?: Faults;
  /** Keep a second copy in the Origin Private File System (opfsRemote); none when absent. */
  localCopy?: boolean;
  /** The copy's upload policy. @default opfsRemote's */
  localCopyPolicy?: { uploadDelayMs?: number; snapshotEveryCommits?: number };
}

export const CURRENT_VERSION = 2;
export const OLDER_VERSION = 1;

/**
 * The store of the engine tests. Periodic checkpoints are effectively off
 * (huge thresholds) unless `checkpointEvery` is set, so a test decides
 * exactly when snapshots are written, with `checkpoint()`.
 */
export function engineStore(config: EngineStoreConfig) {
  return defineStore({
    name: config.name,
    version: config.version,
    initial: () => ({ a: 0, b: 0, list: [] as number[], notes: {} as Record<string, string> }),
    events: {
      bumped: (s, e: { counter: 'a' | 'b'; by: number }) => ({ ...s, [e.counter]: s[e.counter] + e.by }),
      appended: (s, e: { n: number }) => ({ ...s, list: [...s.list, e.n] }),
      noted: (s, e: { id: string; text: string }) => ({ ...s, notes: { ...s.notes, [e.id]: e.text } }),
    },
    checkpoint: { everyEvents: config.checkpointEvery ?? 1_000_000_000, everyMs: 1e12, cooldownMs: 0 },
    retention: { snapshots: config.snapshots ?? 2 },
  });
}

export type EngineDefinition = ReturnType<typeof engineStore>;
export type EngineState = StateOf<EngineDefinition>;
export type EngineEvent = EventsOf<EngineDefinition>;

function noteText(n: number): string {
  return `note of commit ${n}: the same sentence again and again, so that snapshots compress well`;
}

/**
 * Commit number `n` (n ≥ 1): four events, so a commit applied in part shows.
 * It adds n to both counters, appends n to the list and writes note `n<n>`.
 */
export function numberedCommit(n: number): EngineEvent[] {
  return [
    { type: 'bumped', counter: 'a', by: n },
    { type: 'bumped', counter: 'b', by: n },
    { type: 'appended', n },
    { type: 'noted', id: `n${n}`, text: noteText(n) },
  ];
}

/** The state after numbered commits 1…m, in order, each whole. */
export function stateAfter(m: number): EngineState {
  const list = Array.from({ length: m }, (_, i) => i + 1);
  const sum = (m * (m + 1)) / 2;
  return { a: sum, b: sum, list, notes: Object.fromEntries(list.map((n) => [`n${n}`, noteText(n)])) };
}
