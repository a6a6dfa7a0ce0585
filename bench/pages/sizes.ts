// How much work each benchmark does. `full` is `npm run bench` (about a
// minute for the floor and peer rows on two cores); `quick` is the smoke
// test's run, small enough that it only proves every path still works.

export interface Sizes {
  /** One readwrite transaction per event, awaited one after another. */
  perEvent: { events: number; repeats: number };
  /** Transactions of 100 events each (as 100 records, or packed as one). */
  batched: { transactions: number; eventsPerTransaction: number; repeats: number };
  /** Events written once, then read back with one getAll. */
  readBack: { events: number; repeats: number };
  /** Whole-state persist: state sizes in items, and changes timed at each. */
  persist: { items: number[]; changes: number[] };
  /** Snapshot decode: approximate JSON size of the state, and repeats at each. */
  states: { bytes: number[]; repeats: number[] };
  /**
   * tidemark (tidemark.ts). Its other sizes come from the rows it is compared
   * with: a load of each `states.bytes`, a replay of `readBack.events` commits
   * in records of `batched.eventsPerTransaction` (and of 1), and a large state
   * of the largest `persist.items`.
   */
  tidemark: {
    /** Awaited single-event commits per repeat, for each durability (interleaved). */
    awaited: { commits: number; repeats: number };
    /** Un-awaited commits made in one task (group commit). */
    burst: { commits: number; repeats: number };
    /** At the large state: awaited commits per repeat and durability; checkpoints timed. */
    large: { commits: number; repeats: number; checkpoints: number };
    /** History lengths in commits, each loaded `repeats` times (interleaved). */
    history: { commits: number[]; repeats: number };
    /** Loads of a journal with no snapshot, per layout. */
    replay: { repeats: number };
  };
  /** The remote rows: a state of `states.bytes`' largest plus this many commits, uploaded then hydrated. */
  remote: { commits: number; repeats: number };
}

export type Profile = 'full' | 'quick';

export const profiles: Record<Profile, Sizes> = {
  full: {
    perEvent: { events: 400, repeats: 5 },
    batched: { transactions: 40, eventsPerTransaction: 100, repeats: 5 },
    readBack: { events: 100_000, repeats: 3 },
    persist: { items: [1_000, 10_000, 100_000], changes: [100, 30, 8] },
    states: { bytes: [1_000_000, 10_000_000], repeats: [9, 5] },
    tidemark: {
      awaited: { commits: 400, repeats: 5 },
      burst: { commits: 10_000, repeats: 5 },
      large: { commits: 100, repeats: 3, checkpoints: 3 },
      history: { commits: [10_000, 100_000, 1_000_000], repeats: 5 },
      replay: { repeats: 3 },
    },
    remote: { commits: 10_000, repeats: 3 },
  },
  quick: {
    perEvent: { events: 20, repeats: 3 },
    batched: { transactions: 4, eventsPerTransaction: 100, repeats: 3 },
    readBack: { events: 2_000, repeats: 2 },
    persist: { items: [100, 1_000], changes: [5, 3] },
    states: { bytes: [20_000, 100_000], repeats: [3, 3] },
    tidemark: {
      awaited: { commits: 10, repeats: 2 },
      burst: { commits: 500, repeats: 2 },
      large: { commits: 5, repeats: 2, checkpoints: 1 },
      history: { commits: [10_000, 1_000_000], repeats: 1 },
      replay: { repeats: 1 },
    },
    remote: { commits: 300, repeats: 1 },
  },
};
