import { applyEvents } from './apply-events.js';
import type { Reducers, StoreDefinition } from './define-store.js';
import type { CommitRecord } from './types.js';

/**
 * Most milliseconds a page spends applying a draft's commits before it lets
 * other work on its main thread run: under the 50 ms a browser counts as a
 * long task. A draft holds up to 10,000 events (worker/load.ts
 * DRAFT_MAX_EVENTS), whose reducers the app writes.
 */
export const DRAFT_SLICE_MS = 40;

/**
 * A draft's state (see WorkerChange `draft`): its snapshot parsed, then, in
 * tasks of their own, its commits applied (see withCommits); undefined when
 * the JSON does not parse or a reducer throws here.
 */
export async function draftState<S>(def: StoreDefinition<S, Reducers<S>>, snapshotJson: string, commits: readonly CommitRecord[]): Promise<S | undefined> {
  let state: S;
  try {
    state = JSON.parse(snapshotJson) as S;
  } catch {
    return undefined;
  }
  if (commits.length === 0) return state;
  await yieldToPage(); // the parse was one long task already
  return withCommits(def, state, commits);
}

/**
 * A draft's state with more commits applied, in slices of DRAFT_SLICE_MS
 * with a yield between them; undefined when a reducer throws here.
 */
export async function withCommits<S>(def: StoreDefinition<S, Reducers<S>>, state: S, commits: readonly CommitRecord[]): Promise<S | undefined> {
  try {
    let sliceStart = performance.now();
    for (const commit of commits) {
      state = applyEvents(def, state, commit.events);
      if (performance.now() - sliceStart >= DRAFT_SLICE_MS) {
        await yieldToPage();
        sliceStart = performance.now();
      }
    }
    return state;
  } catch {
    return undefined;
  }
}

/**
 * Resolves in a task of its own, after what is queued (a MessageChannel:
 * setTimeout is clamped to 4 ms when nested). A fresh channel each time:
 * Node drains a long-lived port's messages in one go, so its timers would
 * never run between slices (measured: 1 tick in 60 ms against 11; the
 * worker's yield-to-others.ts uses setImmediate there).
 */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
