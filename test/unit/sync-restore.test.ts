import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { memoryRemote } from 'tidemark/worker';
import { freshIndexedDB, open, rejection, todoStore } from './fixtures.js';

const sync = { uploadDelayMs: 0, maxBackoffMs: 20, mode: 'sync' as const };

describe('restoreFromRemote in sync mode', () => {
  test("replaces the device's data with the shared log's state; unsynced commits need discardLocal, and are then counted as discarded", async () => {
    const objects = new Map<string, Uint8Array>();
    let online = true;
    const a = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...sync, objects }) });
    const b = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...sync, objects, faults: () => (online ? undefined : 'drop') }) });
    await a.commit({ type: 'added', id: 'x', text: 'milk' });
    await a.whenUploaded();
    await b.whenUploaded();
    online = false;
    await b.commit({ type: 'added', id: 'local', text: 'never synced' });
    await a.commit({ type: 'incremented', by: 5 });
    await a.whenUploaded();
    online = true;
    const refused = await rejection(b.restoreFromRemote());
    expect(refused.code).toBe('REMOTE_CONFLICT');
    expect(refused.details).toMatchObject({ unuploaded: 1 });
    const result = await b.restoreFromRemote({ discardLocal: true });
    expect(result).toMatchObject({ seq: 2, discarded: 1 });
    expect(hashState(b.getState())).toBe(hashState(a.getState()));
    expect(b.remote.pendingCommits).toBe(0);
    // The restored device syncs on: its next commit reaches the other device, and nothing came back twice.
    await b.commit({ type: 'incremented', by: 1 });
    await b.whenUploaded();
    await a.whenUploaded();
    expect(a.getState()).toEqual({ items: { x: { text: 'milk', done: false } }, count: 6 });
    expect(hashState(b.getState())).toBe(hashState(a.getState()));
    await Promise.all([a.close(), b.close()]);
  });

  test('atSeq brings back a point the bucket proves as a new shared commit every device gets; a point the compacted log cannot prove is HISTORY_OUT_OF_RANGE', async () => {
    const objects = new Map<string, Uint8Array>();
    const remote = () => memoryRemote({ ...sync, objects, snapshotEveryCommits: 3, keepSnapshots: 2 });
    const a = await open(todoStore(), freshIndexedDB(), { remote: remote() });
    const b = await open(todoStore(), freshIndexedDB(), { remote: remote() });
    for (let i = 1; i <= 10; i++) {
      await a.commit({ type: 'incremented', by: 1 });
      await a.whenUploaded();
    }
    const snapshots = [...objects.keys()].filter((key) => key.startsWith('snap/')).map((key) => Number(key.slice(5)));
    expect(snapshots).toHaveLength(2);
    const [older, newest] = snapshots as [number, number];
    const below = await rejection(b.restoreFromRemote({ atSeq: older + 1 }));
    expect(below.code).toBe('HISTORY_OUT_OF_RANGE');
    expect(below.details).toMatchObject({ snapshots: [older, newest], from: newest });
    const restored = await b.restoreFromRemote({ atSeq: older });
    expect(restored.discarded).toBe(0);
    expect(b.getState().count).toBe(older);
    await b.whenUploaded();
    await a.whenUploaded();
    expect(a.getState().count).toBe(older);
    expect((await b.restoreFromRemote({ atSeq: newest + 1 })).report.seq).toBe(newest + 1);
    await b.whenUploaded();
    await a.whenUploaded();
    expect(a.getState().count).toBe(newest + 1);
    expect(hashState(b.getState())).toBe(hashState(a.getState()));
    await Promise.all([a.close(), b.close()]);
  });
});
