// Invariants a–e over real engines (stores) that synced through one bucket,
// each commit tagged with an `added` event whose id is `d<device>-<n>`.
import { expect } from 'vitest';
import { hashState } from 'tidemark';
import { applyEvents } from '../../src/apply-events.js';
import type { Remote } from '../../worker/remote/remote.js';
import { segmentKey } from '../../worker/remote/objects.js';
import { faultyRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { freshIndexedDB, open, random, todoStore } from './fixtures.js';
import { def, randomEvent, type readLog } from './sync-devices.js';

type Log = Awaited<ReturnType<typeof readLog>>;

/** The tag of a commit: its first event's id. */
export const tagOf = (events: readonly unknown[]) => (events[0] as { id: string }).id;

/** A store's rejections as tags, gathered from every change (`remote.rejected` keeps only the newest 100). */
export function trackRejections(store: { subscribe(listener: () => void): () => void; remote: { rejected?: ReadonlyArray<{ events: readonly unknown[] }> } }): Set<string> {
  const tags = new Set<string>();
  const gather = () => {
    for (const rejection of store.remote.rejected ?? []) tags.add(tagOf(rejection.events));
  };
  store.subscribe(gather);
  gather();
  return tags;
}

/** Invariants a–e: `acked[d]` and `rejected[d]` are device d's acknowledged and rejected tags, `log` the shared log from seq 1. */
export function checkStores(stores: ReadonlyArray<{ getState(): unknown }>, acked: string[][], rejected: Array<Set<string>>, log: Log, at: string): void {
  // (a) converged, on the log replayed from the start
  const replayed = log.reduce((state, c) => applyEvents(def, state, c.events), def.initial());
  for (const store of stores) expect(hashState(store.getState()), at).toBe(hashState(replayed));
  const tagsInLog = log.map((c) => tagOf(c.events));
  // (c) none twice; (d) gapless: the caller's log reader checks
  expect(new Set(tagsInLog).size, at).toBe(tagsInLog.length);
  const inLog = new Set(tagsInLog);
  stores.forEach((_, d) => {
    // (b) every acknowledged commit is in the log or reported rejected, not both
    for (const tag of acked[d]!) expect(inLog.has(tag) !== rejected[d]!.has(tag), `${at}: ${tag}`).toBe(true);
    // (e) own order kept
    const mine = tagsInLog.filter((t) => t.startsWith(`d${d}-`)).map((t) => Number(t.split('-')[1]));
    expect(mine.join(' '), `${at}, d${d}`).toBe([...mine].sort((x, y) => x - y).join(' '));
  });
}

type SyncingStore = { getState(): unknown; commit(...events: Array<{ type: 'incremented'; by: number }>): Promise<unknown>; whenUploaded(): Promise<void> };

/**
 * Compaction resumes once the lease's term is over, even if a holder's
 * release was lost on the network: `later()` moves the devices' clocks past
 * it; a few more commits make a snapshot, whose uploader compacts. Then
 * log/1 is gone and the devices still agree.
 */
export async function compactedInTheEnd(stores: readonly SyncingStore[], bucket: Pick<Remote, 'get'> | Map<string, Uint8Array>, later: () => void, at: string): Promise<void> {
  later();
  for (let i = 0; i < 8; i++) await stores[0]!.commit({ type: 'incremented', by: 1 });
  for (let round = 0; round < 2; round++) for (const store of stores) await store.whenUploaded();
  // The snapshot's uploader compacts after it is up, which whenUploaded does not wait for.
  const first = () => (bucket instanceof Map ? bucket.get(segmentKey(1)) : bucket.get(segmentKey(1)));
  // Generous: a full `npm test` on a loaded machine once ran out of a 10 s wait here.
  try {
    await expect.poll(first, { timeout: 30_000, message: `${at}: log/1 was compacted` }).toBeUndefined();
  } catch (error) {
    // Once in a while a full run fails here: say what the bucket held, for whoever looks next.
    const keys = bucket instanceof Map ? [...bucket.keys()] : await (bucket as Partial<Remote>).list?.('', {}).catch(() => []);
    throw new Error(`${(error as Error).message}; the bucket holds: ${keys?.join(' ') ?? '?'}`, { cause: error });
  }
  for (const store of stores) expect(hashState(store.getState()), at).toBe(hashState(stores[0]!.getState()));
}

/** How `runStores` drives its devices. */
export interface StoresRun {
  devices: number;
  commits: number;
  seed: number;
  /** Drops, lost answers and 503s in equal parts, on this share of calls. */
  faultRate: number;
  /** Chance, before each commit, that the device goes offline (or back online). */
  toggleRate: number;
  /** Longest random wait after a commit. */
  delayMs: number;
  /** Chance, after a commit, to wait (up to 50 ms) for a sync. @default 0 */
  syncRate?: number;
  /** The devices' clock. @default Date.now */
  now?: () => number;
}

/**
 * Real engines (a fresh fake-indexeddb each) syncing through `remote`: each
 * commits `commits` times a tagged `added` event plus a random one that may
 * stop applying once others' commits come first, going offline and meeting
 * faults at random; then all come online, faults stop, and all sync twice.
 */
export async function runStores(remote: Remote, run: StoresRun) {
  const rand = random(run.seed);
  const online = Array.from({ length: run.devices }, () => true);
  let faultRate = run.faultRate;
  const faults = { drop: 0, 'lose-answer': 0, unavailable: 0 };
  const stores = await Promise.all(
    online.map((_, d) =>
      open(todoStore(), freshIndexedDB(), {
        ...(run.now && { now: run.now }),
        remote: faultyRemote(remote, (): RemoteFaultInjection => {
          if (!online[d]) return 'drop';
          const roll = rand();
          if (roll >= faultRate) return undefined;
          const fault = roll < faultRate / 3 ? 'drop' : roll < (2 * faultRate) / 3 ? 'lose-answer' : 'unavailable';
          faults[fault]++;
          return fault;
        }),
      }),
    ),
  );
  const acked: string[][] = stores.map(() => []);
  const rejected = stores.map(trackRejections);
  await Promise.all(
    stores.map(async (store, d) => {
      for (let n = 1; n <= run.commits; n++) {
        if (rand() < run.toggleRate) online[d] = !online[d];
        const tag = `d${d}-${n}`;
        if (await store.commit({ type: 'added', id: tag, text: 'x' }, randomEvent(rand)).then(() => true, () => false)) acked[d]!.push(tag);
        if (rand() < (run.syncRate ?? 0) && online[d]) await Promise.race([store.whenUploaded().catch(() => {}), sleep(50)]);
        if (rand() < 0.5) await sleep(Math.floor(rand() * run.delayMs));
      }
    }),
  );
  online.fill(true);
  faultRate = 0;
  for (let round = 0; round < 2; round++) for (const store of stores) await store.whenUploaded();
  return { stores, acked, rejected, faults };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
