import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { freshIndexedDB, open, random, readSnapshots, request, todoStore, withRawDatabase, randomTodoEvent } from './fixtures.js';


describe('invariant 3: replay from any retained snapshot equals the live state', () => {
  test('200 random histories with random checkpoints, crashes and reopens: reopened state deep-equals and hashes equal to live', async () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = random(seed);
      const idb = freshIndexedDB();
      const def = todoStore({ checkpoint: { everyEvents: 5 + Math.floor(rand() * 20), cooldownMs: 0 }, snapshots: 1 + Math.floor(rand() * 3) });
      let store = await open(def, idb);
      const steps = 10 + Math.floor(rand() * 30);
      for (let step = 0; step < steps; step++) {
        const roll = rand();
        if (roll < 0.08) {
          await store.checkpoint();
        } else if (roll < 0.14) {
          await store.whenSaved();
          const live = store.getState();
          if (rand() < 0.5) await store.close(); // else a crash: no close, no last snapshot
          store = await open(def, idb);
          expect(store.getState(), `seed ${seed}, step ${step}`).toEqual(live);
          expect(hashState(store.getState())).toBe(hashState(live));
        } else {
          const ids = Object.keys(store.getState().items);
          const events = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => randomTodoEvent(rand, ids));
          // Some commits are awaited, some fire in a burst (group commit); rejections are expected.
          const commit = store.commit(...events).catch(() => undefined);
          if (rand() < 0.5) await commit;
        }
      }
      await store.whenSaved();
      const live = store.getState();
      const liveHash = (await store.stats()).hash;
      expect(liveHash).toBe(hashState(live));

      // Rebuild from every retained snapshot in turn (newest first), by hiding the newer ones.
      const snapshots = (await readSnapshots(idb, def.name)).map((s) => s.seq).reverse();
      for (const seq of [...snapshots, 0]) {
        const replayed = await open(def, idb, { broadcast: false });
        expect(replayed.getState(), `seed ${seed}, from snapshot ${seq}`).toEqual(live);
        expect((await replayed.stats()).hash).toBe(liveHash);
        if (seq === 0) break;
        await withRawDatabase(idb, def.name, (db) => request(db.transaction('snapshots', 'readwrite').objectStore('snapshots').delete(seq)));
        const journalFirst = (await replayed.stats()).journal.firstSeq;
        if (journalFirst !== null && journalFirst > 1 && seq === snapshots.at(-1)) break; // history before the oldest snapshot is trimmed, as designed
      }
    }
  }, 120_000);
});
