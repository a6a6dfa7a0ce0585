// React bindings: read a store's state (or a slice of it) in components, and
// show whether every commit is saved. Commits stay plain `store.commit(...)`.
import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { EqualityFn } from './listeners.js';
import type { Store } from './store.js';

/** What `useStore` needs of a store: `connectStore`'s and `openStore`'s both fit. */
export type ReadableStore<S> = Pick<Store<S, never>, 'getState' | 'subscribe'>;

/** What `useSaveStatus` needs of a store. */
export type SaveTrackingStore = Pick<Store<unknown, never>, 'pendingCommits' | 'subscribe' | 'remote'>;

/**
 * Where this page's commits are: `'saving'` while any is not durable on the
 * device; then, without a remote, `'saved'`; with one, `'backing-up'` while
 * durable commits wait for the bucket, `'offline'` while they wait for the
 * network, `'backup-failed'` when the bucket refused them (see
 * `store.remote.lastError`), and `'backed-up'` once the bucket holds them
 * all. Switch on it with a `default` branch: sync may add states.
 */
export type SaveStatus = 'saving' | 'saved' | 'backing-up' | 'offline' | 'backup-failed' | 'backed-up';

/**
 * The store's state, or the slice `selector` picks from it, kept current:
 * the component re-renders when the slice changes, not for other commits.
 * A selector that builds a new object or array each time needs `isEqual`
 * (e.g. a shallow compare), or the component re-renders on every change.
 *
 * ```ts
 * const done = useStore(store, (s) => Object.values(s.items).filter((t) => t.done).length);
 * ```
 *
 * @param selector picks the slice; the whole state when omitted
 * @param isEqual says when two slices are the same; the previous one is then kept @default Object.is
 */
export function useStore<S>(store: ReadableStore<S>): S;
export function useStore<S, T>(store: ReadableStore<S>, selector: (state: S) => T, isEqual?: EqualityFn<T>): T;
export function useStore<S, T>(store: ReadableStore<S>, selector?: (state: S) => T, isEqual: EqualityFn<T> = Object.is): S | T {
  // The last state and selector seen, and their slice: getSnapshot must return
  // the same value for the same state, or React renders forever.
  const cache = useRef<{ state: S; selector: (state: S) => T; slice: T } | null>(null);
  const subscribe = useCallback((onChange: () => void) => store.subscribe(onChange), [store]);
  const getSnapshot = (): S | T => {
    const state = store.getState();
    if (!selector) return state;
    const cached = cache.current;
    if (cached?.state === state && cached.selector === selector) return cached.slice;
    const slice = selector(state);
    const kept = cached && isEqual(cached.slice, slice) ? cached.slice : slice;
    cache.current = { state, selector, slice: kept };
    return kept;
  };
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/**
 * `'saving'` while any of this page's commits is not durable yet, `'saved'`
 * once all are: for a "Saving… / All changes saved" indicator.
 */
export function useSaveStatus(store: SaveTrackingStore): SaveStatus {
  const subscribe = useCallback((onChange: () => void) => store.subscribe(onChange), [store]);
  const getSnapshot = (): SaveStatus => saveStatusOf(store);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

/** The save status of a store now; `useSaveStatus` re-renders when it changes. */
export function saveStatusOf(store: SaveTrackingStore): SaveStatus {
  if (store.pendingCommits > 0) return 'saving';
  const { status, pendingCommits } = store.remote;
  if (status === 'off') return 'saved';
  if (status === 'error') return 'backup-failed';
  if (pendingCommits === 0) return 'backed-up';
  return status === 'offline' ? 'offline' : 'backing-up';
}
