import { describe, expect, test } from 'vitest';
import { defineStore } from 'tidemark';
import { freshIndexedDB, open, random, todoStore, randomTodoEvent } from './fixtures.js';


/** A store whose `rolled` reducer reads Math.random(), or whose `pushed` reducer mutates its input. */
function brokenStore(kind: 'random' | 'mutating') {
  return defineStore({
    name: `broken-${kind}`,
    initial: () => ({ list: [] as number[], luck: 0 }),
    events: {
      rolled: (s) => ({ ...s, luck: kind === 'random' ? Math.random() : s.luck + 1 }),
      pushed: (s, e: { n: number }) => {
        if (kind !== 'mutating') return { ...s, list: [...s.list, e.n] };
        s.list.push(e.n); // mutates the state it was given: a rejected commit leaves this behind
        if (e.n < 0) throw new Error('negative');
        return { ...s, list: s.list };
      },
    },
    checkpoint: { everyEvents: 1e9, everyMs: 1e12, cooldownMs: 0 },
    retention: { snapshots: 3 },
    devChecks: false, // as in production: devChecks would catch the mutation at the commit
  });
}

describe('verify()', () => {
  test('passes on 200 random histories with random checkpoints and rejected commits', async () => {
    let snapshotsChecked = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rand = random(seed);
      const store = await open(todoStore({ checkpoint: { everyEvents: 3 + Math.floor(rand() * 15), cooldownMs: 0 }, snapshots: 1 + Math.floor(rand() * 4) }), freshIndexedDB());
      const steps = 10 + Math.floor(rand() * 40);
      for (let step = 0; step < steps; step++) {
        if (rand() < 0.1) await store.checkpoint();
        const ids = Object.keys(store.getState().items);
        const commit = store.commit(...Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomTodoEvent(rand, ids))).catch(() => undefined);
        if (rand() < 0.5) await commit;
      }
      await store.whenSaved();
      await store.checkpoint();
      const result = await store.verify();
      expect(result.divergence, `seed ${seed}`).toBeNull();
      expect(result).toMatchObject({ ok: true, throughSeq: store.confirmedSeq, liveChecked: true });
      snapshotsChecked += result.snapshotsChecked.length;
      await store.close();
    }
    expect(snapshotsChecked).toBeGreaterThan(200); // the histories did have snapshots to check
  }, 120_000);

  test('fails on a reducer that reads Math.random(), naming the seq, both hashes and the commits in between', async () => {
    const store = await open(brokenStore('random'), freshIndexedDB());
    for (let i = 0; i < 3; i++) await store.commit({ type: 'pushed', n: i });
    await store.checkpoint(); // seq 3
    await store.commit({ type: 'rolled' });
    await store.commit({ type: 'pushed', n: 9 });
    await store.checkpoint(); // seq 5: its hash holds the live random number
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.divergence).toMatchObject({ seq: 5, against: 'snapshot' });
    expect(result.divergence!.expected).not.toBe(result.divergence!.actual);
    expect(result.divergence!.commits.map((c) => c.seq)).toEqual([4, 5]);
    expect(result.divergence!.message).toMatch(/not deterministic/);
    expect(result.divergence!.message).toMatch(/mutates/);
  });

  test('fails on a reducer that mutates its input (a rejected commit leaves its change behind in the live state)', async () => {
    const store = await open(brokenStore('mutating'), freshIndexedDB());
    await store.commit({ type: 'pushed', n: 1 });
    await store.checkpoint();
    await store.commit({ type: 'pushed', n: -1 }).catch(() => undefined); // rejected, but the -1 stays in the live list
    await store.commit({ type: 'pushed', n: 2 });
    expect(store.getState().list).toEqual([1, -1, 2]);
    const result = await store.verify();
    expect(result.ok).toBe(false);
    expect(result.divergence).toMatchObject({ seq: 2, against: 'live' });
    expect(result.divergence!.message).toMatch(/mutates the state it is given/);
  });

  test('the same reducers without the fault pass', async () => {
    for (const kind of ['random', 'mutating'] as const) {
      const store = await open(brokenStore(kind), freshIndexedDB());
      await store.commit({ type: 'pushed', n: 1 });
      await store.checkpoint();
      await store.commit({ type: 'pushed', n: 2 });
      await store.checkpoint();
      expect((await store.verify()).ok, kind).toBe(true);
    }
  });
});

describe('the cheap check on load', () => {
  async function damageBytes(idb: IDBFactory, name: string, seq: number) {
    const { withRawDatabase, request } = await import('./fixtures.js');
    await withRawDatabase(idb, name, async (db) => {
      const snapshots = db.transaction('snapshots', 'readwrite').objectStore('snapshots');
      const record = await request(snapshots.get(seq));
      record.bytes = record.bytes.slice();
      record.bytes[record.bytes.length - 20] ^= 0xff; // the bytes rot; the hash it was written with stays
      await request(snapshots.put(record));
    });
  }

  for (const [kind, mismatch] of [['random', true], ['mutating', false]] as const) {
    test(`a load that falls back past a damaged snapshot checks its stored hash: ${mismatch ? 'a Math.random() reducer is reported' : 'deterministic reducers pass'}`, async () => {
      const idb = freshIndexedDB();
      const def = brokenStore(kind);
      const store = await open(def, idb);
      await store.commit({ type: 'pushed', n: 1 });
      await store.checkpoint(); // seq 1
      await store.commit({ type: 'rolled' });
      await store.checkpoint(); // seq 2
      await store.commit({ type: 'pushed', n: 3 });
      await store.whenSaved();
      await damageBytes(idb, def.name, 2);
      const again = await open(def, idb);
      expect(again.loadReport).toMatchObject({ fellBack: true, snapshotSeq: 1 });
      if (mismatch) expect(again.loadReport.replayMismatch).toMatchObject({ seq: 2 });
      else expect(again.loadReport.replayMismatch).toBeUndefined();
    });
  }
});
