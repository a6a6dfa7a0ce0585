import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { faultyIndexedDB } from 'tidemark/testing';
import { memoryRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { checkBucket } from './bucket-layout.js';
import { codeOf, freshIndexedDB, open, random, todoStore } from './fixtures.js';

describe('remote backup under faults (in-memory remote, many seeds)', () => {
  test('invariants 6 and 7: random drops, lost answers, 503s, trims and crashes leave no hole or duplicate, and a fresh device gets the same state', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rand = random(seed);
      const objects = new Map<string, Uint8Array>();
      let faultRate = 0;
      let online = true;
      const faults = (): RemoteFaultInjection => {
        if (!online) return 'drop';
        const roll = rand();
        if (roll >= faultRate) return undefined;
        return roll < faultRate / 3 ? 'drop' : roll < (2 * faultRate) / 3 ? 'lose-answer' : 'unavailable';
      };
      const remote = () =>
        memoryRemote({
          objects,
          faults,
          uploadDelayMs: Math.floor(rand() * 3),
          maxBackoffMs: 5,
          segmentBytes: 200 + Math.floor(rand() * 2000),
          snapshotEveryCommits: 3 + Math.floor(rand() * 20),
          snapshotCooldownMs: 0,
        });
      const def = todoStore({ checkpoint: { everyEvents: 4 + Math.floor(rand() * 10), cooldownMs: 0 }, snapshots: 1 + Math.floor(rand() * 2) });
      const idb = freshIndexedDB();
      let store = await open(def, idb, { remote: remote() });
      let acknowledged = 0;
      for (let step = 0; step < 60; step++) {
        const roll = rand();
        if (roll < 0.05) online = !online;
        else if (roll < 0.1) faultRate = rand() * 0.5;
        else if (roll < 0.14) {
          // A crash: the uploader stops wherever it is (an in-flight upload may still land) and the store reopens.
          await store.close();
          store = await open(def, idb, { remote: remote() });
        } else if (roll < 0.18) await store.checkpoint();
        else {
          const commits = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, i) => store.commit({ type: 'added', id: `${seed}-${step}-${i}`, text: 'x'.repeat(Math.floor(rand() * 80)) }));
          acknowledged = Math.max(acknowledged, ...(await Promise.all(commits)).map((c) => c.seq));
        }
        if (rand() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 4)));
      }
      online = true;
      faultRate = 0;
      await store.whenUploaded();
      expect((await checkBucket(memoryRemote({ objects }), 'todos')).through, `seed ${seed}`).toBe(acknowledged);
      const fresh = await open(def, freshIndexedDB(), { remote: memoryRemote({ objects }) });
      expect(hashState(fresh.getState()), `seed ${seed}`).toBe(hashState(store.getState()));
      expect(Object.keys(fresh.getState().items)).toHaveLength(Object.keys(store.getState().items).length);
      await Promise.all([store.close(), fresh.close()]);
    }
  }, 120_000);

  describe('a wiped store whose download meets network faults as it opens', () => {
    const chromiumSays = 'IndexedDB (database was corrupt): Unknown corruption';
    const filled = async () => {
      const objects = new Map<string, Uint8Array>();
      const store = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ objects, uploadDelayMs: 0 }) });
      for (let i = 1; i <= 4; i++) await store.commit({ type: 'incremented', by: i });
      await store.whenUploaded();
      await store.close();
      return objects;
    };
    /** A remote whose first `n` calls drop. */
    const flaky = (objects: Map<string, Uint8Array>, n: number) => {
      let calls = 0;
      return memoryRemote({ objects, uploadDelayMs: 0, faults: () => (++calls <= n ? 'drop' : undefined) });
    };

    test('is rebuilt once the network answers again, within a few tries, not reported lost', async () => {
      const objects = await filled();
      const wiped = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
      const rebuilt = await open(todoStore(), wiped, { remote: flaky(objects, 2) });
      expect(rebuilt.getState()).toMatchObject({ count: 10 });
      expect(rebuilt.loadReport).toMatchObject({ source: 'remote', dataLoss: { detectedBy: 'browser', recoveredThrough: 4 } });
      await rebuilt.close();
    });

    test('is DATA_LOST, with nothing written, when the network stays down through every try', async () => {
      const objects = await filled();
      const wiped = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: chromiumSays });
      expect(await codeOf(open(todoStore(), wiped, { remote: flaky(objects, 1_000) }))).toBe('DATA_LOST');
    }, 10_000);
  });
});
