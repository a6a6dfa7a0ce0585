import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { faultyRemote, memoryRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { segmentKey } from '../../worker/remote/objects.js';
import { checkStores, compactedInTheEnd, trackRejections } from './sync-stores.js';
import { freshIndexedDB, open, random, todoStore } from './fixtures.js';
import { archived, randomEvent, readArchivedLog } from './sync-devices.js';

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
    expect(objects.has(segmentKey(1)), 'log/1 was compacted').toBe(false);
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

  test('invariants a–e with real engines while they snapshot and compact: offline spells, drops, lost answers and 503s', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const rand = random(seed);
      const objects = new Map<string, Uint8Array>();
      const archive = archived(memoryRemote({ ...compacting, objects }));
      const online = [true, true, true];
      let faultRate = 0.2;
      let skew = 0;
      const devices = await Promise.all(
        online.map((_, d) =>
          open(todoStore(), freshIndexedDB(), {
            now: () => Date.now() + skew,
            remote: faultyRemote(archive.remote, (): RemoteFaultInjection => {
              if (!online[d]) return 'drop';
              const roll = rand();
              return roll < faultRate / 3 ? 'drop' : roll < (2 * faultRate) / 3 ? 'lose-answer' : roll < faultRate ? 'unavailable' : undefined;
            }),
          }),
        ),
      );
      const acked: string[][] = [[], [], []];
      const rejected = devices.map(trackRejections);
      await Promise.all(
        devices.map(async (store, d) => {
          for (let n = 1; n <= 30; n++) {
            if (rand() < 0.2) online[d] = !online[d];
            const tag = `d${d}-${n}`;
            if (await store.commit({ type: 'added', id: tag, text: 'x' }, randomEvent(rand)).then(() => true, () => false)) acked[d]!.push(tag);
            if (rand() < 0.3 && online[d]) await Promise.race([store.whenUploaded().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 50))]);
            if (rand() < 0.5) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 5)));
          }
        }),
      );
      online.fill(true);
      faultRate = 0;
      for (let round = 0; round < 2; round++) for (const store of devices) await store.whenUploaded();
      const log = await readArchivedLog(archive, 'todos');
      const at = `seed ${seed}`;
      checkStores(devices, acked, rejected, log, at);
      await compactedInTheEnd(devices, objects, () => (skew = 10 * 60_000), at);
      await Promise.all(devices.map((store) => store.close()));
    }
  }, 120_000);
});
