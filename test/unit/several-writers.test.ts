import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { freshIndexedDB, open, readJournal, todoStore } from './fixtures.js';

// Two engines on one database stand in for two tabs; the browser suite runs the real thing.
describe('several writers on one database', () => {
  test('interleaved commits from two engines land at distinct, gapless seqs and both converge', async () => {
    const idb = freshIndexedDB();
    const def = todoStore();
    const a = await open(def, idb);
    const b = await open(def, idb);
    await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => a.commit({ type: 'added', id: `a${i}`, text: 'a' })),
      ...Array.from({ length: 100 }, (_, i) => b.commit({ type: 'added', id: `b${i}`, text: 'b' })),
    ]);
    // Each learns of the other's commits when it next writes.
    await a.commit({ type: 'incremented', by: 1 });
    await b.commit({ type: 'incremented', by: 1 });
    await a.commit({ type: 'incremented', by: 1 });
    await b.commit({ type: 'incremented', by: 0 });
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
    const commits = (await readJournal(idb, def.name)).flatMap((r) => r.commits);
    expect(commits.map((c) => c.seq)).toEqual(Array.from({ length: 204 }, (_, i) => i + 1));
    expect(Object.keys(a.getState().items)).toHaveLength(200);
    // Each engine's commits keep the order it made them in.
    const aOrder = commits.filter((c) => c.events[0].id?.startsWith('a')).map((c) => Number(c.events[0].id.slice(1)));
    expect(aOrder).toEqual([...aOrder].sort((x, y) => x - y));
  });

  test('a writer that fell behind a journal trimmed by another reloads from the newest snapshot and keeps writing', async () => {
    const idb = freshIndexedDB();
    const def = todoStore({ snapshots: 1 });
    const a = await open(def, idb);
    const b = await open(def, idb);
    await b.commit({ type: 'incremented', by: 1 });
    await a.commit({ type: 'incremented', by: 10 });
    for (let i = 0; i < 5; i++) {
      await a.commit({ type: 'added', id: `a${i}`, text: 'a' });
      await a.checkpoint(); // retention 1: trims everything behind it but the newest record
    }
    expect((await a.stats()).journal.firstSeq).toBeGreaterThan(2);
    await b.commit({ type: 'incremented', by: 100 });
    expect(b.getState().count).toBe(111);
    expect(Object.keys(b.getState().items)).toHaveLength(5);
    expect(b.loadReport.snapshotSeq).toBeGreaterThan(1);
    await a.commit({ type: 'incremented', by: 0 });
    expect(hashState(a.getState())).toBe(hashState(b.getState()));
  });
});
