import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { memoryRemote } from 'tidemark/worker';
import { segmentKey } from '../../worker/remote/objects.js';
import { checkStores, compactedInTheEnd, runStores } from './sync-stores.js';
import { freshIndexedDB, open, todoStore } from './fixtures.js';
import { archived, readArchivedLog } from './sync-devices.js';

const compacting = { uploadDelayMs: 0, maxBackoffMs: 20, mode: 'sync' as const, snapshotEveryCommits: 5, keepSnapshots: 1 };

describe('sync mode with compaction (real engines, in-memory bucket)', () => {
  test('a device offline while the others compact the log catches up from the newest snapshot, its offline commits after it; a reload and a new device agree', async () => {
    const objects = new Map<string, Uint8Array>();
    const idb = freshIndexedDB();
    let online = true;
    const a = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...compacting, objects }) });
    const b = await open(todoStore(), idb, { remote: memoryRemote({ ...compacting, objects, faults: () => (online ? undefined : 'drop') }) });
    await a.commit({ type: 'added', id: 'x', text: 'milk' });
    await a.whenUploaded();
    await b.whenUploaded();
    online = false;
    await b.commit({ type: 'toggled', id: 'x' });
    await b.commit({ type: 'incremented', by: 100 });
    for (let i = 0; i < 24; i++) {
      await a.commit({ type: 'incremented', by: 1 });
      if (i % 4 === 3) await a.whenUploaded();
    }
    // Compaction follows the snapshot's upload, which whenUploaded does not wait for.
    await expect.poll(() => objects.has(segmentKey(1)), { message: 'log/1 was compacted' }).toBe(false);
    expect([...objects.keys()].filter((key) => key.startsWith('snap/'))).toHaveLength(1);
    online = true;
    for (let round = 0; round < 2; round++) for (const store of [b, a]) await store.whenUploaded();
    expect(b.getState()).toEqual({ items: { x: { text: 'milk', done: true } }, count: 124 });
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
    await b.close();
    const reloaded = await open(todoStore(), idb, { remote: memoryRemote({ ...compacting, objects }) });
    expect(hashState(reloaded.getState())).toBe(hashState(a.getState()));
    const fresh = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...compacting, objects }) });
    expect(fresh.loadReport.remote!.snapshotSeq).toBeGreaterThan(1);
    expect(hashState(fresh.getState())).toBe(hashState(a.getState()));
    await Promise.all([a.close(), reloaded.close(), fresh.close()]);
  });

  test('a compaction pass that failed is tried again by the next rounds, with no new snapshot needed', async () => {
    const objects = new Map<string, Uint8Array>();
    let leaseTakes = 0;
    // The first pass fails as it takes the lease; nothing else ever fails.
    const faults = (call: { op: string; key: string }) => (call.op === 'create' && call.key === 'lease/compaction' && ++leaseTakes === 1 ? ('drop' as const) : undefined);
    const device = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...compacting, objects, faults }) });
    for (let i = 0; i < 6; i++) await device.commit({ type: 'incremented', by: 1 });
    await device.whenUploaded();
    await expect.poll(() => objects.has(segmentKey(1)), { message: 'log/1 was compacted', timeout: 4_000 }).toBe(false);
    expect(leaseTakes).toBeGreaterThanOrEqual(2);
    expect([...objects.keys()].filter((key) => key.startsWith('snap/'))).toHaveLength(1);
    await device.close();
  });

  test('invariants a–e with real engines while they snapshot and compact: offline spells, drops, lost answers and 503s', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const objects = new Map<string, Uint8Array>();
      const archive = archived(memoryRemote({ ...compacting, objects }));
      let skew = 0;
      const run = { devices: 3, commits: 30, seed, faultRate: 0.2, toggleRate: 0.2, delayMs: 5, syncRate: 0.3, now: () => Date.now() + skew };
      const { stores: devices, acked, rejected } = await runStores(archive.remote, run);
      const log = await readArchivedLog(archive, 'todos');
      const at = `seed ${seed}`;
      checkStores(devices, acked, rejected, log, at);
      await compactedInTheEnd(devices, objects, () => (skew = 10 * 60_000), at);
      await Promise.all(devices.map((store) => store.close()));
    }
  }, 120_000);
});
