// Sync mode end to end against Ceph RGW: real engines (fake-indexeddb)
// syncing through s3Remote({ mode: 'sync' }).
import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { faultyRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { freshIndexedDB, open, random, todoStore } from '../unit/fixtures.js';
import { readLog } from '../unit/sync-devices.js';
import { bucketRemote, createBucket } from './s3-server.js';

describe('sync mode against Ceph RGW', () => {
  test('three devices edit offline and online with faults on the way, and converge with every commit once', async () => {
    const bucket = await createBucket();
    const rand = random(7);
    const online = [true, true, true];
    const def = todoStore({ name: 'rgw-sync' });
    const devices = await Promise.all(
      online.map((_, d) =>
        open(def, freshIndexedDB(), {
          remote: faultyRemote(bucketRemote(bucket, 'sync', { mode: 'sync', uploadDelayMs: 0, maxBackoffMs: 100 }), (): RemoteFaultInjection => {
            if (!online[d]) return 'drop';
            const roll = rand();
            return roll < 0.05 ? 'lose-answer' : roll < 0.1 ? 'unavailable' : undefined;
          }),
        }),
      ),
    );
    await Promise.all(
      devices.map(async (store, d) => {
        for (let n = 1; n <= 15; n++) {
          if (rand() < 0.2) online[d] = !online[d];
          await store.commit({ type: 'added', id: `d${d}-${n}`, text: 'x' }, { type: 'incremented', by: 1 });
          await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 20)));
        }
      }),
    );
    online.fill(true);
    for (let round = 0; round < 2; round++) for (const store of devices) await store.whenUploaded();
    const log = await readLog(bucketRemote(bucket, 'sync'), 'rgw-sync');
    const ids = log.map((c) => (c.events[0] as unknown as { id: string }).id);
    expect(ids).toHaveLength(45);
    expect(new Set(ids).size).toBe(45);
    for (const store of devices) {
      expect(store.getState().count).toBe(45);
      expect(hashState(store.getState())).toBe(hashState(devices[0]!.getState()));
    }
    await Promise.all(devices.map((store) => store.close()));
  }, 120_000);
});
