// The listener set behind `store.subscribe`, shared by the page store
// (connectStore) and the same-thread store (openStore), so both accept the
// plain form and the selector form in the same way.

/** Called with the new and the previous state. */
export type StateListener<S> = (state: S, previous: S) => void;

/** Called with the new and the previous slice, only when the slice changed. */
export type SliceListener<T> = (slice: T, previous: T) => void;

/** Tells two slices apart; `Object.is` unless given. Return true when they are equal. */
export type EqualityFn<T> = (a: T, b: T) => boolean;

/** `store.subscribe`, in both of its forms. Each returns the function that unsubscribes. */
export interface Subscribe<S> {
  /** Calls `listener` after every change of the state or of `pendingCommits`. */
  (listener: StateListener<S>): () => void;
  /**
   * Calls `listener(slice, previousSlice)` only when `selector(state)`
   * changes, as `isEqual` (default `Object.is`) sees it.
   */
  <T>(selector: (state: S) => T, listener: SliceListener<T>, isEqual?: EqualityFn<T>): () => void;
}

/** A set of state listeners with a `subscribe` that takes either form. */
export class Listeners<S> {
  private readonly set = new Set<StateListener<S>>();

  constructor(private readonly getState: () => S) {}

  /** `store.subscribe`: a function of its own, so stores can hand it out as is. */
  readonly subscribe: Subscribe<S> = <T>(
    listenerOrSelector: StateListener<S> | ((state: S) => T),
    sliceListener?: SliceListener<T>,
    isEqual: EqualityFn<T> = Object.is,
  ): (() => void) => {
    let listener: StateListener<S>;
    if (sliceListener === undefined) {
      listener = listenerOrSelector as StateListener<S>;
    } else {
      const selector = listenerOrSelector as (state: S) => T;
      let slice = selector(this.getState());
      listener = (state) => {
        const next = selector(state);
        if (isEqual(slice, next)) return;
        const previous = slice;
        slice = next;
        sliceListener(next, previous);
      };
    }
    // A wrapper of its own, so subscribing one function twice gives two subscriptions.
    const entry: StateListener<S> = (state, previous) => listener(state, previous);
    this.set.add(entry);
    return () => void this.set.delete(entry);
  };

  /** Calls every listener with the state and the previous state. */
  notify(state: S, previous: S): void {
    for (const listener of this.set) listener(state, previous);
  }

  /** Drops every listener (the store closed). */
  clear(): void {
    this.set.clear();
  }
}
