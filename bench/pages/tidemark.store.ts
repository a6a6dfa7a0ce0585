// The stores of the tidemark benchmark, imported by the bench page and by
// its worker (tidemark.worker.ts). One worker file serves every store: the
// page passes a BenchStoreConfig as the Worker's `name`.
//
// Every store takes the bench's one event, `{ type: 'added', id, text }`
// (harness.ts), with one of two reducers:
//
// - `items`: the todo app. The state holds every item, in a persistent
//   16 × 16 × 16 tree keyed by a hash of the id, so a change copies about
//   70 keys instead of the whole state, as a reducer over 100k items must
//   (a flat `{ ...s.items, [id]: item }` copies all 100k on every event, on
//   the page and again in the worker). Its JSON is the same items as the
//   decode floor's `makeState`, spread over the tree (~1–3 % more bytes).
// - `count`: counts events and the characters of their text. O(1), so a
//   load that replays it measures tidemark's replay, not the reducer.
import { defineStore, type StoreDefinition } from 'tidemark';

/** Which store a worker serves; the page passes it as the Worker's `name` (JSON). */
export interface BenchStoreConfig {
  /** Also the IndexedDB database name. */
  name: string;
  reducer: 'items' | 'count';
  /** `checkpoint.everyEvents`; the default policy (1000 events, 5 min, 10 s cooldown) when absent. */
  everyEvents?: number;
  /**
   * The worker waits for `{ start: true }` before it calls serveStore, so a
   * load can be timed without the worker's module fetch (see tidemark.ts).
   */
  lazy?: boolean;
  /** Back the store up to this bucket (the remote rows). */
  s3?: BenchBucket;
}

/** An S3 bucket and the keys to sign for it (a local test server's). */
export interface BenchBucket {
  endpoint: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface Item {
  text: string;
  done: boolean;
}

/** id → item, at the bottom of the tree. */
export type Leaf = Record<string, Item>;
/** Three levels of 16 branches (letters from the id's hash), then a leaf. */
export type ItemTree = Record<string, Record<string, Record<string, Leaf>>>;

export interface ItemsState {
  items: ItemTree;
}

export interface CountState {
  count: number;
  chars: number;
}

export interface AddedPayload {
  id: string;
  text: string;
}

/**
 * An id's place in the tree: three letters a–p from 12 bits of its FNV-1a
 * hash. Letters, not hex digits: V8 keeps keys like "0"…"9" as array
 * elements, and copying objects that mix both is twice as slow.
 */
export function treePath(id: string): [string, string, string] {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return [BRANCHES[h & 15]!, BRANCHES[(h >>> 4) & 15]!, BRANCHES[(h >>> 8) & 15]!];
}

const BRANCHES = 'abcdefghijklmnop';

/** Sets one item, copying only the nodes on its path. */
export function setItem(tree: ItemTree, id: string, item: Item): ItemTree {
  const [a, b, c] = treePath(id);
  const l1 = tree[a] ?? {};
  const l2 = l1[b] ?? {};
  const leaf = l2[c] ?? {};
  return { ...tree, [a]: { ...l1, [b]: { ...l2, [c]: { ...leaf, [id]: item } } } };
}

/** A tree of many items at once, built in place (setup only, never a reducer). */
export function buildTree(items: Iterable<[string, Item]>): ItemTree {
  const tree: ItemTree = {};
  for (const [id, item] of items) {
    const [a, b, c] = treePath(id);
    ((tree[a] ??= {})[b] ??= {})[c] ??= {};
    tree[a]![b]![c]![id] = item;
  }
  return tree;
}

/** How many items a tree holds. */
export function countItems(tree: ItemTree): number {
  let n = 0;
  for (const l1 of Object.values(tree)) {
    for (const l2 of Object.values(l1)) for (const leaf of Object.values(l2)) n += Object.keys(leaf).length;
  }
  return n;
}

const checkpointOf = (config: BenchStoreConfig) =>
  config.everyEvents === undefined ? {} : { everyEvents: config.everyEvents };

export function itemsStore(config: BenchStoreConfig) {
  return defineStore({
    name: config.name,
    initial: (): ItemsState => ({ items: {} }),
    events: {
      added: (s: ItemsState, e: AddedPayload): ItemsState => ({ items: setItem(s.items, e.id, { text: e.text, done: false }) }),
    },
    checkpoint: checkpointOf(config),
    devChecks: false, // the bench measures what production builds run (it is served by Vite's dev server)
  });
}

export function countStore(config: BenchStoreConfig) {
  return defineStore({
    name: config.name,
    initial: (): CountState => ({ count: 0, chars: 0 }),
    events: {
      added: (s: CountState, e: AddedPayload): CountState => ({ count: s.count + 1, chars: s.chars + e.text.length }),
    },
    checkpoint: checkpointOf(config),
    devChecks: false, // the bench measures what production builds run (it is served by Vite's dev server)
  });
}

export type ItemsDefinition = ReturnType<typeof itemsStore>;
export type CountDefinition = ReturnType<typeof countStore>;

/** The store a config names (the worker's entry point). */
export function benchStore(config: BenchStoreConfig): StoreDefinition<unknown> {
  const def = config.reducer === 'count' ? countStore(config) : itemsStore(config);
  return def as unknown as StoreDefinition<unknown>;
}
