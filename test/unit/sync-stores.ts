// Invariants a–e over real engines (stores) that synced through one bucket,
// each commit tagged with an `added` event whose id is `d<device>-<n>`.
import { expect } from 'vitest';
import { hashState } from 'tidemark';
import { applyEvents } from '../../src/apply-events.js';
import type { Remote } from '../../worker/remote/remote.js';
import { segmentKey } from '../../worker/remote/objects.js';
import { def, type readLog } from './sync-devices.js';

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
  const first = bucket instanceof Map ? bucket.get(segmentKey(1)) : await bucket.get(segmentKey(1));
  expect(first, `${at}: log/1 was compacted`).toBeUndefined();
  for (const store of stores) expect(hashState(store.getState()), at).toBe(hashState(stores[0]!.getState()));
}
