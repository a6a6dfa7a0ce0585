import { IDBFactory } from 'fake-indexeddb';
import { isTidemarkError, TidemarkError, type EventsOf } from 'tidemark';
import { defineStore, type CheckpointOptions } from 'tidemark';
import { openStore, type OpenStoreOptions } from 'tidemark/worker';

export interface Todo {
  text: string;
  done: boolean;
}

/** A small todo store with a counter: the shape most tests use. */
export function todoStore(options: { name?: string; checkpoint?: CheckpointOptions; snapshots?: number } = {}) {
  return defineStore({
    name: options.name ?? 'todos',
    version: 1,
    initial: () => ({ items: {} as Record<string, Todo>, count: 0 }),
    events: {
      added: (s, e: { id: string; text: string }) => ({ ...s, items: { ...s.items, [e.id]: { text: e.text, done: false } } }),
      toggled: (s, e: { id: string }) => {
        const item = s.items[e.id];
        if (!item) throw new Error(`no todo ${e.id}`);
        return { ...s, items: { ...s.items, [e.id]: { ...item, done: !item.done } } };
      },
      removed: (s, e: { id: string }) => {
        const { [e.id]: _gone, ...items } = s.items;
        return { ...s, items };
      },
      incremented: (s, e: { by: number }) => ({ ...s, count: s.count + e.by }),
      failed: (_s, e: { why: string }): never => {
        throw new Error(e.why);
      },
    },
    checkpoint: { everyEvents: 1_000_000, everyMs: 1e12, cooldownMs: 0, ...options.checkpoint },
    retention: { snapshots: options.snapshots ?? 3 },
  });
}

/** A fresh, empty IndexedDB for one test. */
export function freshIndexedDB(): IDBFactory {
  return new IDBFactory();
}

/** openStore on a given fake IndexedDB, with no BroadcastChannel cross-talk between tests. */
export function open<S, R extends Record<string, (s: S, e: never) => S>>(
  def: Parameters<typeof openStore<S, R>>[0],
  indexedDB: IDBFactory,
  options: OpenStoreOptions = {},
) {
  return openStore(def, { indexedDB, broadcast: false, ...options });
}

/** Every journal record, read straight from IndexedDB. */
export async function readJournal(indexedDB: IDBFactory, name: string) {
  return readAll(indexedDB, name, 'journal');
}

/** Every snapshot record, read straight from IndexedDB. */
export async function readSnapshots(indexedDB: IDBFactory, name: string) {
  return readAll(indexedDB, name, 'snapshots');
}

export function readAll(indexedDB: IDBFactory, name: string, storeName: 'journal' | 'snapshots'): Promise<any[]> {
  return withRawDatabase(indexedDB, name, (db) => request(db.transaction(storeName).objectStore(storeName).getAll()));
}

/** Runs `use` with a raw IDBDatabase of the store, then closes it. */
export async function withRawDatabase<T>(indexedDB: IDBFactory, name: string, use: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await request(indexedDB.open(name));
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A small seeded PRNG (mulberry32), so a failing sequence can be replayed from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The TidemarkError a promise rejects with; fails the test if it resolves or throws something else. */
export async function rejection(promise: Promise<unknown>): Promise<TidemarkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TidemarkError)) throw new Error(`expected a TidemarkError, got ${String(error)}`);
  return error;
}

/** The code a promise rejects with (or a note that it was not a TidemarkError); undefined if it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isTidemarkError(error) ? error.code : `not a TidemarkError: ${String(error)}`;
  }
  return undefined;
}

/** An event of todoStore(), at random: often on a known id, sometimes one that throws (a rejected commit). */
export function randomTodoEvent(rand: () => number, ids: string[]): EventsOf<ReturnType<typeof todoStore>> {
  const pick = rand();
  const id = ids.length > 0 && rand() < 0.7 ? ids[Math.floor(rand() * ids.length)]! : `t${Math.floor(rand() * 1000)}`;
  if (pick < 0.35) return { type: 'added', id, text: `todo ${Math.floor(rand() * 1e6)}` };
  if (pick < 0.6) return { type: 'toggled', id }; // throws when the id is unknown: a rejected commit
  if (pick < 0.75) return { type: 'removed', id };
  if (pick < 0.97) return { type: 'incremented', by: Math.floor(rand() * 10) - 3 };
  return { type: 'failed', why: 'random failure' };
}
