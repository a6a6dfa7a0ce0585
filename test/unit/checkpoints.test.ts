import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { freshIndexedDB, open, readJournal, readSnapshots, todoStore, withRawDatabase, request } from './fixtures.js';

describe('checkpoints and compaction', () => {
  test('checkpoint() writes a gzipped JSON snapshot with seq, kind, version and the state hash', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore(), idb);
    await store.commit({ type: 'added', id: 'a', text: 'x'.repeat(500) });
    const info = await store.checkpoint();
    expect(info).toMatchObject({ seq: 1, kind: 'manual', version: 1, hash: hashState(store.getState()) });
    const [record] = await readSnapshots(idb, 'todos');
    expect(record.codec).toBe('json+gzip');
    expect([record.bytes[0], record.bytes[1]]).toEqual([0x1f, 0x8b]); // gzip magic
    expect(record.bytes.byteLength).toBeLessThan(record.rawBytes);
  });

  test('the policy writes periodic snapshots after everyEvents events', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore({ checkpoint: { everyEvents: 10, cooldownMs: 0 } }), idb);
    for (let i = 0; i < 25; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.whenSaved();
    // Checkpoints run after the commits that trigger them, their gzip on Node's thread pool.
    await expect.poll(async () => (await store.stats()).snapshots.length).toBe(2);
    const snapshots = (await store.stats()).snapshots;
    expect(snapshots.map((s) => s.kind)).toEqual(['periodic', 'periodic']);
    // The first at 10; the second once 10 more events are in and the first has landed (one runs at a time).
    expect(snapshots[1]!.seq).toBe(10);
    expect(snapshots[0]!.seq).toBeGreaterThanOrEqual(20);
  });

  test('the policy writes a snapshot after everyMs on a fake clock, and not before', async () => {
    let now = 1_000_000;
    const idb = freshIndexedDB();
    const store = await open(todoStore({ checkpoint: { everyEvents: 1000, everyMs: 60_000, cooldownMs: 0 } }), idb, {
      now: () => now,
    });
    await store.commit({ type: 'incremented', by: 1 });
    now += 59_000;
    await store.commit({ type: 'incremented', by: 1 });
    expect((await store.stats()).snapshots).toEqual([]);
    now += 1_000;
    await store.commit({ type: 'incremented', by: 1 });
    await expect.poll(async () => (await store.stats()).snapshots.map((s) => s.seq)).toEqual([3]);
  });

  test('retention and compaction keep the journal and snapshots bounded over 10k commits', async () => {
    const idb = freshIndexedDB();
    const store = await open(todoStore({ checkpoint: { everyEvents: 500, cooldownMs: 0 }, snapshots: 3 }), idb);
    let maxRecords = 0;
    let maxCommits = 0;
    for (let round = 0; round < 100; round++) {
      // Counters, not list items: copying a 10k-item object per event would measure the reducer, not the journal.
      await Promise.all(Array.from({ length: 100 }, () => store.commit({ type: 'incremented', by: 1 })));
      // An app's pace, not a firehose: a periodic checkpoint in flight (its gzip runs on Node's
      // thread pool) gets to finish. Under a firehose snapshots lag by however many commits land
      // during one checkpoint, as only one runs at a time.
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (round % 5 !== 4) continue;
      const stats = await store.stats();
      maxRecords = Math.max(maxRecords, stats.journal.records);
      maxCommits = Math.max(maxCommits, stats.journal.commits);
      expect(stats.snapshots.length).toBeLessThanOrEqual(3);
      // The journal reaches back no further than the oldest snapshot kept (records hold up to 100 commits here).
      const oldestKept = stats.snapshots.at(-1)?.seq ?? 0;
      expect(stats.journal.commits).toBeLessThanOrEqual(stats.seq - oldestKept + 100);
    }
    await store.checkpoint(); // waits for a periodic checkpoint still in flight, and its trim
    const stats = await store.stats();
    expect(stats.seq).toBe(10_000);
    expect(store.getState().count).toBe(10_000);
    // 3 snapshots about 500 events apart: the journal holds about 1500 commits + what lands during one
    // checkpoint, never a growing share of the 10k.
    expect(maxCommits).toBeLessThanOrEqual(3_000);
    expect(maxRecords).toBeLessThan(100);
    expect((await readJournal(idb, 'todos'))[0].seq).toBe(stats.journal.firstSeq);
    // Every retained snapshot can still be rebuilt from: the journal reaches back to the oldest.
    const oldest = stats.snapshots.at(-1)!;
    expect(stats.journal.firstSeq).toBeLessThanOrEqual(oldest.seq + 1);
  }, 60_000);

  test('close() writes a last snapshot so the next load replays nothing', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb);
    await store.commit({ type: 'incremented', by: 4 });
    await store.close();
    const again = await open(def, idb);
    expect(again.loadReport).toMatchObject({ snapshotSeq: 1, commitsReplayed: 0, fellBack: false });
    expect(again.getState().count).toBe(4);
  });

  test('a damaged newest snapshot falls back to an older one, and the load report says so', async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 3 });
    const store = await open(def, idb);
    await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    await store.commit({ type: 'incremented', by: 2 });
    await store.checkpoint();
    await store.commit({ type: 'incremented', by: 3 });
    const live = store.getState();
    await store.whenSaved();

    await withRawDatabase(idb, 'todos', async (db) => {
      const snapshots = db.transaction('snapshots', 'readwrite').objectStore('snapshots');
      const newest = await request(snapshots.get(2));
      newest.bytes = newest.bytes.slice();
      newest.bytes[newest.bytes.length - 20] ^= 0xff;
      await request(snapshots.put(newest));
    });

    const again = await open(def, idb);
    expect(again.getState()).toEqual(live);
    expect(again.loadReport.fellBack).toBe(true);
    expect(again.loadReport.snapshotSeq).toBe(1);
    expect(again.loadReport.commitsReplayed).toBe(2);
    expect(again.loadReport.damaged.map((d) => d.seq)).toEqual([2]);
    // The fallback is paid once: a fresh snapshot at the head is written.
    expect((await again.stats()).snapshots[0]).toMatchObject({ seq: 3, kind: 'manual' });
  });

  test('when every snapshot is damaged, a journal that still reaches back replays from the start', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb);
    await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint(); // seq 1, journal kept (the newest record is never trimmed)
    await store.commit({ type: 'incremented', by: 2 });
    await store.whenSaved();
    await withRawDatabase(idb, 'todos', async (db) => {
      const snapshots = db.transaction('snapshots', 'readwrite').objectStore('snapshots');
      const record = await request(snapshots.get(1));
      await request(snapshots.put({ ...record, hash: 'not-the-hash' }));
    });
    const again = await open(def, idb);
    expect(again.getState().count).toBe(3);
    expect(again.loadReport).toMatchObject({ snapshotSeq: 0, commitsReplayed: 2, fellBack: true });
  });

  test('a deleted journal record makes the load fail with JOURNAL_GAP, never a wrong state', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const store = await open(def, idb);
    for (let i = 0; i < 3; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.whenSaved();
    await withRawDatabase(idb, 'todos', (db) => request(db.transaction('journal', 'readwrite').objectStore('journal').delete(2)));
    await expect(open(def, idb)).rejects.toMatchObject({ code: 'JOURNAL_GAP', details: { after: 1, found: 3 } });
  });
});

describe('fallback and retention', () => {
  test('the snapshot written after a fallback replaces the damaged one, never a good one', async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 2 });
    const store = await open(def, idb);
    for (const by of [1, 2, 3]) {
      await store.commit({ type: 'incremented', by });
      await store.checkpoint(); // snapshots at 1, 2, 3 → retention keeps 2 and 3
    }
    await store.commit({ type: 'incremented', by: 4 });
    await store.whenSaved();
    await withRawDatabase(idb, 'todos', async (db) => {
      const snapshots = db.transaction('snapshots', 'readwrite').objectStore('snapshots');
      const record = await request(snapshots.get(3));
      await request(snapshots.put({ ...record, hash: 'damaged' }));
    });
    const again = await open(def, idb);
    expect(again.loadReport.damaged.map((d) => d.seq)).toEqual([3]);
    // Kept: the fresh rewind at 4 and the good one at 2; the damaged 3 is gone.
    expect((await again.stats()).snapshots.map((s) => s.seq)).toEqual([4, 2]);
  });
});

describe('invariant 5: load time does not grow with the length of the history', () => {
  test('a load reads one snapshot and a bounded journal suffix, for 1k and for 20k commits of history alike', async () => {
    const replayedAfter = async (commits: number) => {
      const idb = freshIndexedDB();
      const def = todoStore({ checkpoint: { everyEvents: 200, cooldownMs: 0 }, snapshots: 2 });
      const store = await open(def, idb);
      for (let done = 0; done < commits; done += 100) {
        await Promise.all(Array.from({ length: 100 }, () => store.commit({ type: 'incremented', by: 1 })));
        await store.whenSaved();
      }
      // Let the periodic checkpoints catch up (one runs at a time, each taking a few ms here).
      await expect.poll(async () => (await store.stats()).eventsSinceSnapshot).toBeLessThan(200);
      const again = await open(def, idb); // a crash-style reopen: no final snapshot from close()
      expect(again.getState().count).toBe(commits);
      const stats = await again.stats();
      return { replayed: again.loadReport.commitsReplayed, journal: stats.journal.commits, behindOldest: stats.seq - stats.snapshots.at(-1)!.seq };
    };
    const short = await replayedAfter(1_000);
    const long = await replayedAfter(20_000);
    expect(short.replayed).toBeLessThanOrEqual(200 + 100);
    expect(long.replayed).toBeLessThanOrEqual(200 + 100);
    // Retention: the journal reaches back no further than the oldest snapshot kept, and two are kept.
    expect(long.journal).toBeLessThanOrEqual(long.behindOldest + 100);
    // (How far back the oldest is depends on how many commits land while one checkpoint runs, a
    // firehose here whose gzip waits on Node's thread pool: the retention test bounds it at an app's pace.)
  }, 60_000);
});

describe('the checkpoint cooldown', () => {
  test('counts from the first commit of a store with no snapshot, not from when it was reopened', async () => {
    let now = 1_000_000;
    const idb = freshIndexedDB();
    const def = todoStore({ checkpoint: { everyEvents: 2, everyMs: 1e12, cooldownMs: 10_000 } });
    const first = await open(def, idb, { now: () => now });
    await first.commit({ type: 'incremented', by: 1 });
    now += 5_000;
    // A reload 5 s after the first commit (a crash-style reopen: no last snapshot from close()).
    const reloaded = await open(def, idb, { now: () => now });
    now += 5_001; // 10 s after the first commit, 5 s after the reload
    await reloaded.commit({ type: 'incremented', by: 1 });
    await expect.poll(async () => (await reloaded.stats()).snapshots.map((s) => s.seq), { timeout: 1_000 }).toEqual([2]);
  });

  test('counts from the newest snapshot when the store has one', async () => {
    let now = 1_000_000;
    const idb = freshIndexedDB();
    const def = todoStore({ checkpoint: { everyEvents: 1, everyMs: 1e12, cooldownMs: 10_000 } });
    const first = await open(def, idb, { now: () => now });
    await first.commit({ type: 'incremented', by: 1 });
    await first.checkpoint(); // a snapshot at seq 1, written at 1_000_000
    now += 9_000;
    const reloaded = await open(def, idb, { now: () => now });
    await reloaded.commit({ type: 'incremented', by: 1 }); // 9 s after the snapshot: cooling down
    await new Promise((r) => setTimeout(r, 20));
    expect((await reloaded.stats()).snapshots.map((s) => s.seq)).toEqual([1]);
    now += 1_000;
    await reloaded.commit({ type: 'incremented', by: 1 }); // 10 s after it: due
    await expect.poll(async () => (await reloaded.stats()).snapshots.map((s) => s.seq), { timeout: 1_000 }).toEqual([3, 1]);
  });
});
