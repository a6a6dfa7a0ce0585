// The page of the React tests: React 19 renders components that read the
// store with tidemark/react, and counts their renders and the store
// subscriptions they hold. The Node test drives it through window.reactTest.
import { createElement, StrictMode, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { connectStore, type StateOf, type Subscribe } from 'tidemark';
import { useSaveStatus, useStore, type SaveStatus } from 'tidemark/react';
import { counters } from './react.store';

/** How often each component rendered since the last `mount`. */
export interface RenderCounts {
  /** Reads `a` with a selector that returns a number. */
  counter: number;
  /** Reads `{ a }` with a selector that returns a new object each time, and a shallow isEqual. */
  pair: number;
  /** Reads the whole state. */
  whole: number;
}

export interface ReactTestApi {
  /** Renders the components (inside StrictMode if asked), replacing what was there. */
  mount(strict: boolean): void;
  unmount(): void;
  /** Bumps a counter and waits until the commit is durable. */
  bump(counter: 'a' | 'b'): Promise<void>;
  renders: RenderCounts;
  /** Every status useSaveStatus rendered, in order. */
  statuses: SaveStatus[];
  /** Store subscriptions currently held. */
  listeners(): number;
}

export interface ReactTestWindow {
  reactTest: ReactTestApi;
}

const store = await connectStore(counters, new Worker(new URL('./react.worker.ts', import.meta.url), { type: 'module' }), {
  checkpointOnHide: false,
});

// The store as the components see it, counting the subscriptions they hold.
let listeners = 0;
const countingSubscribe: Subscribe<StateOf<typeof counters>> = (...args: unknown[]) => {
  listeners++;
  const off = (store.subscribe as (...a: unknown[]) => () => void)(...args);
  let subscribed = true;
  return () => {
    if (subscribed) listeners--;
    subscribed = false;
    off();
  };
};
const watched = {
  getState: () => store.getState(),
  get pendingCommits() {
    return store.pendingCommits;
  },
  get remote() {
    return store.remote;
  },
  subscribe: countingSubscribe,
};

const renders: RenderCounts = { counter: 0, pair: 0, whole: 0 };
const statuses: SaveStatus[] = [];

function Counter(): ReactNode {
  renders.counter++;
  const a = useStore(watched, (s) => s.a);
  return createElement('p', { id: 'counter' }, `a=${a}`);
}

function Pair(): ReactNode {
  renders.pair++;
  const pair = useStore(watched, (s) => ({ a: s.a }), (x, y) => x.a === y.a);
  return createElement('p', { id: 'pair' }, `pair.a=${pair.a}`);
}

function Whole(): ReactNode {
  renders.whole++;
  const state = useStore(watched);
  return createElement('p', { id: 'whole' }, `a=${state.a} b=${state.b}`);
}

function SaveBadge(): ReactNode {
  const status = useSaveStatus(watched);
  statuses.push(status);
  return createElement('p', { id: 'status' }, status);
}

let root: Root | null = null;

const api: ReactTestApi = {
  mount(strict) {
    root?.unmount();
    Object.assign(renders, { counter: 0, pair: 0, whole: 0 });
    statuses.length = 0;
    root = createRoot(document.getElementById('root')!);
    const app = createElement('div', null, createElement(Counter), createElement(Pair), createElement(Whole), createElement(SaveBadge));
    root.render(strict ? createElement(StrictMode, null, app) : app);
  },
  unmount() {
    root?.unmount();
    root = null;
  },
  async bump(counter) {
    await store.commit({ type: 'bumped', counter });
  },
  renders,
  statuses,
  listeners: () => listeners,
};

(window as unknown as ReactTestWindow).reactTest = api;
