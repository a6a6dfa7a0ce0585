// One device of the sync rows (bench/sync.mjs): a page in a browser profile
// of its own, with the bench's count store synced through the bucket.
// bench/sync.mjs drives two of them through window.device; times are wall
// clock (timeOrigin + now), so the two pages' figures compare.
import { AwsClient } from 'aws4fetch';
import { connectStore, type ClientStore } from 'tidemark';
import type { AddedEvent } from './harness';
import type { BenchBucket, BenchStoreConfig, CountState } from './tidemark.store';
import { benchStore } from './tidemark.store';

export interface SyncDeviceConfig {
  store: BenchStoreConfig;
  s3: BenchBucket;
}

let store: ClientStore<CountState, AddedEvent> | undefined;
let cameOnline: Promise<number> | undefined;
let made = 0;

const wallClock = (): number => performance.timeOrigin + performance.now();

function current(): ClientStore<CountState, AddedEvent> {
  if (!store) throw new Error('device: call device.connect(config) first');
  return store;
}

const device = {
  async connect(config: SyncDeviceConfig): Promise<void> {
    const worker = new Worker(new URL('./sync-device.worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(config) });
    store = (await connectStore(benchStore(config.store), worker)) as unknown as ClientStore<CountState, AddedEvent>;
  },
  /** Commits `n` events at once (durable on this device when it resolves); returns the wall time of the call. */
  async commit(n: number): Promise<number> {
    const at = wallClock();
    await Promise.all(Array.from({ length: n }, () => current().commit({ type: 'added', id: `c${++made}`, text: 'x' })));
    return at;
  },
  /** Resolves with the wall time at which the page's state first counts `count` events. */
  whenCount(count: number): Promise<number> {
    return new Promise((resolve) => {
      if (current().getState().count >= count) return resolve(wallClock());
      const stop = current().subscribe((state) => {
        if (state.count < count) return;
        stop();
        resolve(wallClock());
      });
    });
  },
  count: (): number => current().getState().count,
  whenSynced: () => current().whenUploaded(),
  /** Watches for the next `online` event (call before the network comes back). */
  armOnline(): void {
    cameOnline = new Promise((resolve) => addEventListener('online', () => resolve(wallClock()), { once: true }));
  },
  /** Milliseconds from that `online` event to every commit of this device being in the shared log. */
  async syncedAfterOnline(): Promise<number> {
    if (!cameOnline) throw new Error('device: call device.armOnline() first');
    const online = await cameOnline;
    await current().whenUploaded();
    return wallClock() - online;
  },
  /** The floor of any message through the bucket: one signed PUT (If-None-Match) then one GET of a small object. */
  async roundTrip(s3: BenchBucket, key: string): Promise<number> {
    const client = new AwsClient({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, region: s3.region, service: 's3', retries: 0 });
    const url = `${s3.endpoint}/${s3.bucket}/${s3.prefix}/${key}`;
    const t0 = performance.now();
    const put = await client.fetch(url, { method: 'PUT', body: JSON.stringify({ key, text: 'x'.repeat(100) }), headers: { 'if-none-match': '*' } });
    if (!put.ok) throw new Error(`sync floor: PUT answered ${put.status}`);
    const get = await client.fetch(url);
    if (!get.ok) throw new Error(`sync floor: GET answered ${get.status}`);
    await get.arrayBuffer();
    return performance.now() - t0;
  },
};

export type SyncDevice = typeof device;
(window as unknown as { device: SyncDevice }).device = device;
