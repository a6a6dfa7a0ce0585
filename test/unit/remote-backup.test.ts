import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { memoryRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { faultyIndexedDB } from 'tidemark/testing';
import { readSegmentObject, readSnapshotObject, segmentKey, segmentObject, seqOfKey, snapshotKey, snapshotObject } from '../../worker/remote/objects.js';
import { LOG_FIRST_PAGE } from '../../worker/remote/head-start.js';
import type { Remote } from '../../worker/remote/remote.js';
import { encodeState } from '../../worker/snapshot-codec.js';
import { checkBucket } from './bucket-layout.js';
import { freshIndexedDB, open, readJournal, rejection, request, todoStore, withRawDatabase } from './fixtures.js';

const fast = { uploadDelayMs: 0, maxBackoffMs: 20 };

/** A bucket another device uploaded one commit to for each of `increments`, then closed. */
async function uploadedBucket(increments: number[]): Promise<Map<string, Uint8Array>> {
  const objects = new Map<string, Uint8Array>();
  const laptop = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
  for (const by of increments) await laptop.commit({ type: 'incremented', by });
  await laptop.whenUploaded();
  await laptop.close();
  return objects;
}

describe('remote backup (in-memory remote)', () => {
  test('whenUploaded resolves once the bucket holds every commit, as one segment from seq 1', async () => {
    const remote = memoryRemote(fast);
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    expect(store.remote).toMatchObject({ status: 'idle', uploadedSeq: 0 });
    await Promise.all([store.commit({ type: 'added', id: 'a', text: 'milk' }), store.commit({ type: 'incremented', by: 2 })]);
    await store.whenUploaded();
    expect(store.remote).toMatchObject({ status: 'idle', uploadedSeq: 2, pendingCommits: 0, lastError: null });
    expect([...remote.objects.keys()]).toEqual(['log/00000000000000000001']);
    const { records } = await readSegmentObject(remote.objects.get('log/00000000000000000001')!, 'log/00000000000000000001', 'todos');
    expect(records.flatMap((r) => r.commits.map((c) => c.seq))).toEqual([1, 2]);
    await store.close();
  });

  test('invariant 6: a fresh device rebuilds the state from the bucket alone, and reports it', async () => {
    const remote = memoryRemote(fast);
    const laptop = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 0; i < 20; i++) await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await laptop.checkpoint();
    for (let i = 0; i < 5; i++) await laptop.commit({ type: 'incremented', by: i });
    await laptop.whenUploaded();

    const phone = await open(todoStore(), freshIndexedDB(), { remote });
    expect(hashState(phone.getState())).toBe(hashState(laptop.getState()));
    expect(phone.loadReport.source).toBe('remote');
    expect(phone.loadReport.remote).toMatchObject({ seq: 25 });
    expect(phone.remote).toMatchObject({ uploadedSeq: 25, pendingCommits: 0 });
    // What was downloaded is not uploaded again, and the phone goes on from seq 26.
    const objectsBefore = remote.objects.size;
    expect(await phone.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 26 });
    await phone.whenUploaded();
    expect(remote.objects.size).toBe(objectsBefore + 1);
    await Promise.all([laptop.close(), phone.close()]);
  });

  test('a snapshot goes up before the segments it hydrates once snapshotEveryCommits commits are uploaded', async () => {
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 10, snapshotCooldownMs: 0 });
    const store = await open(todoStore({ checkpoint: { everyEvents: 4, cooldownMs: 0 } }), freshIndexedDB(), { remote });
    for (let i = 0; i < 30; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    // A snapshot goes up after the segment that ends at its seq, so it may follow whenUploaded.
    await expect.poll(() => [...remote.objects.keys()].some((key) => key.startsWith('snap/'))).toBe(true);
    const layout = await checkBucket(remote, 'todos');
    expect(layout.through).toBe(30);
    expect(layout.snapshots.length).toBeGreaterThan(0);
    // Every snapshot is at a segment boundary: the next segment starts right after it.
    for (const seq of layout.snapshots) {
      expect(layout.segments.some((s) => s.first === seq + 1) || seq === 30).toBe(true);
    }
    await store.close();
  });

  test('backpressure: when retention trims commits never uploaded, the newest snapshot goes up instead, and no hole is left', async () => {
    let online = false;
    const remote = memoryRemote({ ...fast, faults: () => (online ? undefined : 'drop') });
    const idb = freshIndexedDB();
    const store = await open(todoStore({ checkpoint: { everyEvents: 5, cooldownMs: 0 }, snapshots: 2 }), idb, { remote });
    for (let i = 0; i < 40; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.checkpoint();
    expect((await readJournal(idb, 'todos'))[0].seq).toBeGreaterThan(1); // trimmed while offline
    expect(store.remote.status).toBe('uploading');
    expect(store.remote.lastError).toMatchObject({ code: 'REMOTE_FAILED', retrying: true });
    online = true;
    await store.whenUploaded();
    const layout = await checkBucket(remote, 'todos');
    expect(layout.snapshots).toEqual([40]);
    expect(layout.through).toBe(40);
    const fresh = await open(todoStore(), freshIndexedDB(), { remote });
    expect(fresh.getState().count).toBe(40);
    await Promise.all([store.close(), fresh.close()]);
  });

  test('an answer lost after the server stored the object is recognised on retry: no duplicate, no gap', async () => {
    let lose = 2;
    const remote = memoryRemote({
      ...fast,
      faults: (call): RemoteFaultInjection => (call.op === 'create' && lose-- > 0 ? 'lose-answer' : undefined),
    });
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 0; i < 5; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    const layout = await checkBucket(remote, 'todos');
    expect(layout.through).toBe(5);
    await store.close();
  });

  test('a crash after an upload but before its cursor was kept resumes without duplicates', async () => {
    const objects = new Map<string, Uint8Array>();
    const idb = freshIndexedDB();
    // First session: every upload "succeeds" on the server but the answer never comes; then the worker dies.
    const first = await open(todoStore(), idb, { remote: memoryRemote({ ...fast, objects, faults: (call) => (call.op === 'create' ? 'lose-answer' : call.op === 'get' ? 'drop' : undefined) }) });
    for (let i = 0; i < 3; i++) await first.commit({ type: 'incremented', by: 1 });
    await expect.poll(() => objects.size).toBeGreaterThan(0);
    expect(first.remote.uploadedSeq).toBe(0);
    await first.close();

    const second = await open(todoStore(), idb, { remote: memoryRemote({ ...fast, objects }) });
    await second.commit({ type: 'incremented', by: 1 });
    await second.whenUploaded();
    const layout = await checkBucket(memoryRemote({ objects }), 'todos');
    expect(layout.through).toBe(4);
    await second.close();
  });

  test('503s are retried with backoff until they pass', async () => {
    let failures = 0;
    const remote = memoryRemote({ ...fast, faults: (call) => (call.op === 'create' && failures++ < 3 ? 'unavailable' : undefined) });
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(store.remote.lastError).toBeNull();
    await store.close();
  });

  test('403 stops uploads with REMOTE_DENIED while local commits go on, and uploads resume once allowed', async () => {
    let denied = true;
    const remote = memoryRemote({ ...fast, faults: (call) => (denied && call.op === 'create' ? 'deny' : undefined) });
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    await store.commit({ type: 'incremented', by: 1 });
    expect((await rejection(store.whenUploaded())).code).toBe('REMOTE_DENIED');
    expect(store.remote).toMatchObject({ status: 'error', lastError: { code: 'REMOTE_DENIED', retrying: false } });
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 2 });
    denied = false;
    await new Promise((resolve) => setTimeout(resolve, 60)); // maxBackoffMs: 20
    await store.whenUploaded();
    expect(store.remote).toMatchObject({ status: 'idle', uploadedSeq: 2, lastError: null });
    await store.close();
  });

  test('a second device writing to the same prefix in backup mode gets REMOTE_CONFLICT, and nothing is overwritten', async () => {
    const objects = new Map<string, Uint8Array>();
    const a = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    await a.commit({ type: 'incremented', by: 1 });
    await a.whenUploaded();
    const before = new Map(objects);
    // b opens offline-empty: it cannot hydrate, so it starts its own history.
    let reachable = false;
    const b = await open(todoStore(), freshIndexedDB(), {
      remote: memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') }),
    });
    await b.commit({ type: 'incremented', by: 5 });
    reachable = true;
    expect((await rejection(b.whenUploaded())).code).toBe('REMOTE_CONFLICT');
    expect(b.remote.status).toBe('error');
    expect(objects).toEqual(before);
    await Promise.all([a.close(), b.close()]);
  });

  test('a new device that opened empty because the bucket was unreachable takes its history once it answers', async () => {
    const objects = new Map<string, Uint8Array>();
    const laptop = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    for (let i = 1; i <= 3; i++) await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await laptop.checkpoint();
    await laptop.commit({ type: 'incremented', by: 7 });
    await laptop.whenUploaded();

    // Unreachable as it opens; then LISTs answer but GETs still fail; then everything answers.
    let reachable: 'no' | 'lists' | 'yes' = 'no';
    const faults = (call: { op: string }): RemoteFaultInjection => (reachable === 'yes' || (reachable === 'lists' && call.op === 'list') ? undefined : 'drop');
    const phone = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects, faults }) });
    expect(phone.loadReport.source).not.toBe('remote');
    expect(phone.getState().count).toBe(0);
    const states: number[] = [];
    const stale: unknown[] = [];
    let failing = false;
    let errorCleared = 0; // by a retry's start, before anything went through: an app's error banner would flicker
    phone.subscribe((state) => {
      states.push(state.count);
      if (phone.remote.lastError) failing = true;
      else if (failing && state.count === 0) errorCleared++;
      if (state.count === 7 && phone.remote.pendingCommits > 0) stale.push(phone.remote); // the replaced uploader's last word
    });
    await expect.poll(() => phone.remote.lastError?.retrying).toBe(true); // the uploader keeps trying, with backoff
    reachable = 'lists';
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(phone.remote.lastError).toMatchObject({ code: 'REMOTE_FAILED', retrying: true, message: expect.stringMatching(/get memory:\/\//) }); // a failed download is retried too
    expect(phone.remote.status).not.toBe('error');
    reachable = 'yes';
    await expect.poll(() => phone.getState().count, { timeout: 5_000 }).toBe(7);
    expect(hashState(phone.getState())).toBe(hashState(laptop.getState()));
    expect(states).toContain(7); // subscribers hear of it
    expect(phone.loadReport).toMatchObject({ source: 'remote', remote: { snapshotSeq: 3, seq: 4 } });
    expect(stale).toEqual([]);
    expect(errorCleared).toBe(0);
    await expect.poll(() => phone.remote).toMatchObject({ status: 'idle', uploadedSeq: 4, pendingCommits: 0, lastError: null });
    // It goes on from the bucket's history: its next commit is seq 5, uploaded after the laptop's.
    expect(await phone.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 5 });
    await phone.whenUploaded();
    expect((await checkBucket(memoryRemote({ objects }), 'todos')).through).toBe(5);
    await Promise.all([laptop.close(), phone.close()]);
  });

  test('a late hydration downloads before it holds commits back: one made meanwhile is written at once, and makes it a conflict', async () => {
    const objects = await uploadedBucket([5]);

    let reachable = false;
    let getsStarted = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const remote = memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') });
    const slow: Remote = { ...remote, get: async (key, signal) => (getsStarted++, await released, remote.get(key, signal)) };
    const phone = await open(todoStore(), freshIndexedDB(), { remote: slow });
    reachable = true;
    await expect.poll(() => getsStarted).toBeGreaterThan(0); // the late hydration's download has begun
    expect(await phone.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 1 }); // not held behind it
    release();
    await expect.poll(() => phone.remote.lastError?.code).toBe('REMOTE_CONFLICT');
    expect(phone.getState().count).toBe(1);
    await phone.close();
  });

  test('a late hydration with two tabs open writes in place: the other tab catches up instead of closing', async () => {
    const objects = await uploadedBucket([1, 2, 3, 4, 5]);

    const idb = freshIndexedDB();
    let reachable = false;
    const tabRemote = () => memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') });
    const tabs = [await open(todoStore(), idb, { remote: tabRemote(), broadcast: true }), await open(todoStore(), idb, { remote: tabRemote(), broadcast: true })];
    expect(tabs.map((tab) => tab.getState().count)).toEqual([0, 0]);
    reachable = true;
    await expect.poll(() => tabs.map((tab) => tab.getState().count), { timeout: 5_000 }).toEqual([15, 15]);
    // Both still open, and they go on from the bucket's history.
    expect(await tabs[0]!.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 6 });
    expect(await tabs[1]!.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 7 });
    for (const tab of tabs) await tab.whenUploaded();
    expect((await checkBucket(memoryRemote({ objects }), 'todos')).through).toBe(7);
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  test('a late hydration in a tab that has not heard of another tab\'s commit is REMOTE_CONFLICT, and discards nothing', async () => {
    const objects = await uploadedBucket([5]);
    const before = new Map(objects);

    const idb = freshIndexedDB();
    let reachable = false;
    const tabRemote = () => memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') });
    const quiet = await open(todoStore(), idb, { remote: tabRemote() }); // hears nothing of the other tab
    const busy = await open(todoStore(), idb, { remote: tabRemote() });
    await busy.commit({ type: 'incremented', by: 2 });
    reachable = true;
    await expect.poll(() => quiet.remote.lastError?.code).toBe('REMOTE_CONFLICT');
    expect(quiet.remote.lastError?.message).toMatch(/Another tab of this device has committed/);
    expect((await readJournal(idb, 'todos')).flatMap((record) => record.commits.map((commit: { seq: number }) => commit.seq))).toEqual([1]);
    expect(objects).toEqual(before);
    await Promise.all([quiet.close(), busy.close()]);
  });

  test('a late hydration from a bucket whose history cannot be taken stops with that error, and does not download it again and again', async () => {
    // A bucket whose only snapshot (seq 2) is damaged, with the segments after it: nothing reaches back to seq 1.
    const objects = new Map<string, Uint8Array>();
    const encoded = await encodeState({ items: {}, count: 2 });
    const snapshot = snapshotObject('todos', { seq: 2, at: 2, kind: 'periodic', version: 1, codec: 'json+gzip', ...encoded });
    snapshot[snapshot.length - 12]! ^= 0xff;
    objects.set(snapshotKey(2), snapshot);
    for (const seq of [3, 4]) {
      objects.set(segmentKey(seq), await segmentObject('todos', [{ seq, last: seq, version: 1, commits: [{ seq, at: seq, origin: `laptop:${seq}`, events: [{ type: 'incremented', by: 1 }] }] }]));
    }

    let reachable = false;
    const gets: string[] = [];
    const faults = (call: { op: string; key: string }): RemoteFaultInjection => {
      if (!reachable) return 'drop';
      if (call.op === 'get') gets.push(call.key);
      return undefined;
    };
    const phone = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects, faults }) });
    reachable = true;
    await expect.poll(() => phone.remote.lastError?.code).toBe('DATA_DAMAGED');
    expect(phone.remote.status).toBe('error');
    const fetched = gets.length;
    expect(gets.length).toBe(new Set(gets).size); // the fall-back to seq 0 reuses the segments it has
    await new Promise((resolve) => setTimeout(resolve, 300)); // 15 × maxBackoffMs
    expect(gets.length).toBe(fetched);
    expect(phone.getState().count).toBe(0); // nothing half-taken
    await phone.close();
  });

  test('two tabs of one device upload one at a time (the device lock): no overlap, each commit in the bucket once', async () => {
    const idb = freshIndexedDB();
    const objects = new Map<string, Uint8Array>();
    const inFlight = [0, 0];
    let overlaps = 0;
    // Each tab's remote counts its creates in flight, each held a little as a network would.
    const tabRemote = (tab: number) => {
      const remote = memoryRemote({ ...fast, objects });
      const create: typeof remote.create = async (key, bytes, signal) => {
        if (inFlight[1 - tab]! > 0) overlaps++;
        inFlight[tab]!++;
        try {
          await new Promise((resolve) => setTimeout(resolve, 3));
          return await remote.create(key, bytes, signal);
        } finally {
          inFlight[tab]!--;
        }
      };
      return { ...remote, create };
    };
    const tabs = [await open(todoStore(), idb, { remote: tabRemote(0) }), await open(todoStore(), idb, { remote: tabRemote(1) })];
    for (let i = 0; i < 20; i++) await Promise.all(tabs.map((tab) => tab.commit({ type: 'incremented', by: 1 })));
    for (const tab of tabs) await tab.whenUploaded();
    expect(overlaps).toBe(0);
    // checkBucket throws at an overlap or a hole between segments.
    expect((await checkBucket(memoryRemote({ objects }), 'todos')).through).toBe(40);
    await Promise.all(tabs.map((tab) => tab.close()));
  });

  test('a fresh device lists the bucket once, snap/ and log/ side by side: backup mode needs no second listing', async () => {
    const lists: string[] = [];
    const remote = memoryRemote({ ...fast, faults: (call) => void (call.op === 'list' && lists.push(call.key)) });
    const laptop = await open(todoStore(), freshIndexedDB(), { remote });
    await laptop.commit({ type: 'incremented', by: 2 });
    await laptop.whenUploaded();
    lists.length = 0;
    const phone = await open(todoStore(), freshIndexedDB(), { remote });
    expect(phone.loadReport.remote).toMatchObject({ snapshotSeq: 0, seq: 1 });
    expect(lists.sort()).toEqual(['log/', 'snap/']);
    await Promise.all([laptop.close(), phone.close()]);
  });

  test('a long log is listed from the snapshot the hydration starts at, not from seq 1: backup mode deletes nothing', async () => {
    // A bucket of 2500 one-commit segments with snapshots at 1200 and 2400, made directly (uploading 2500 rounds is slow).
    const remote = memoryRemote(fast);
    const commit = (seq: number) => ({ seq, last: seq, version: 1, commits: [{ seq, at: seq, origin: `laptop:${seq}`, events: [{ type: 'incremented', by: 1 }] }] });
    for (let seq = 1; seq <= 2500; seq++) remote.objects.set(segmentKey(seq), await segmentObject('todos', [commit(seq)]));
    for (const seq of [1200, 2400]) {
      const encoded = await encodeState({ items: {}, count: seq });
      remote.objects.set(snapshotKey(seq), snapshotObject('todos', { seq, at: seq, kind: 'periodic', version: 1, codec: 'json+gzip', ...encoded }));
    }
    const listed: string[] = [];
    const counted: Remote = {
      ...remote,
      list: async (prefix, options, signal) => {
        const keys = await remote.list(prefix, options, signal);
        listed.push(...keys.filter((key) => key.startsWith('log/')));
        return keys;
      },
    };
    const phone = await open(todoStore(), freshIndexedDB(), { remote: counted });
    expect(phone.getState().count).toBe(2500);
    expect(phone.loadReport.remote).toMatchObject({ snapshotSeq: 2400, seq: 2500, segments: 100 });
    // The first page, then the keys after the snapshot: not the 1200 between.
    expect(listed.length).toBe(LOG_FIRST_PAGE + 100);
    await phone.close();

    // A damaged newest snapshot: the fall-back lists the log again from the older one.
    const damaged = remote.objects.get(snapshotKey(2400))!;
    damaged[damaged.length - 12]! ^= 0xff;
    listed.length = 0;
    const tablet = await open(todoStore(), freshIndexedDB(), { remote: counted });
    expect(tablet.getState().count).toBe(2500);
    expect(tablet.loadReport.remote).toMatchObject({ snapshotSeq: 1200, seq: 2500, segments: 1300 });
    expect(listed.length).toBe(LOG_FIRST_PAGE + 100 + 1300);
    await tablet.close();

    // restoreFromRemote({ atSeq }) below the newest snapshot lists from the one at or before it.
    remote.objects.set(snapshotKey(2400), damaged.map((byte, i) => (i === damaged.length - 12 ? byte ^ 0xff : byte)));
    const laptop = await open(todoStore(), freshIndexedDB(), { remote: counted });
    listed.length = 0;
    await laptop.restoreFromRemote({ atSeq: 1500 });
    expect(laptop.getState().count).toBe(1500);
    expect(listed.every((key) => seqOfKey(key) > 1200 || seqOfKey(key) <= LOG_FIRST_PAGE)).toBe(true);
    await laptop.close();
  });

  test('hydration skips a damaged remote snapshot, falls back to an older one, and reports it', async () => {
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 1, snapshotCooldownMs: 0 });
    const store = await open(todoStore({ checkpoint: { everyEvents: 1, cooldownMs: 0 } }), freshIndexedDB(), { remote });
    for (let i = 0; i < 6; i++) {
      await store.commit({ type: 'incremented', by: 1 });
      await store.whenUploaded(); // before retention trims the journal: the segments go up, not just snapshots
    }
    // The snapshot at the last seq follows the segments (it fell due); wait for it, then damage it.
    await expect.poll(() => remote.objects.has(snapshotKey(6))).toBe(true);
    const snapshots = [...remote.objects.keys()].filter((k) => k.startsWith('snap/')).sort();
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    const newest = snapshots[snapshots.length - 1]!;
    const bytes = remote.objects.get(newest)!;
    bytes[bytes.length - 12]! ^= 0xff;
    const fresh = await open(todoStore(), freshIndexedDB(), { remote });
    expect(fresh.getState().count).toBe(6);
    expect(fresh.loadReport.remote?.damaged.map((d) => d.key)).toEqual([newest]);
    expect(fresh.loadReport.remote?.snapshotSeq).toBeLessThan(seqOfKey(newest));
    await Promise.all([store.close(), fresh.close()]);
  });

  test('a fresh device downloads each object once, those its first listing started too, and still falls back past a damaged newest snapshot', async () => {
    const gets: string[] = [];
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 2, snapshotCooldownMs: 0, faults: (call) => void (call.op === 'get' && gets.push(call.key)) });
    const store = await open(todoStore({ checkpoint: { everyEvents: 2, cooldownMs: 0 }, snapshots: 10 }), freshIndexedDB(), { remote });
    for (let i = 0; i < 7; i++) {
      await store.commit({ type: 'incremented', by: 1 });
      await store.whenUploaded();
    }
    const snapshots = [...remote.objects.keys()].filter((k) => k.startsWith('snap/')).sort();
    const newest = snapshots[snapshots.length - 1]!;
    const after = [...remote.objects.keys()].filter((k) => k.startsWith('log/') && seqOfKey(k) > seqOfKey(newest));
    expect(snapshots.length).toBeGreaterThanOrEqual(2);
    expect(after.length).toBeGreaterThanOrEqual(1); // the head start downloads segments, not only the snapshot
    const bytes = remote.objects.get(newest)!;
    bytes[bytes.length - 12]! ^= 0xff;
    gets.length = 0;
    const fresh = await open(todoStore(), freshIndexedDB(), { remote });
    expect(fresh.getState().count).toBe(7);
    expect(fresh.loadReport.remote?.damaged.map((d) => d.key)).toEqual([newest]);
    expect(gets).toContain(newest);
    expect(gets.length).toBe(new Set(gets).size);
    await Promise.all([store.close(), fresh.close()]);
  });

  test('a hole in the remote log is JOURNAL_GAP naming it, never a shorter state', async () => {
    const remote = memoryRemote({ ...fast, segmentBytes: 1 });
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 0; i < 3; i++) await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    expect(remote.objects.size).toBe(3);
    remote.objects.delete('log/00000000000000000002');
    const error = await rejection(open(todoStore(), freshIndexedDB(), { remote }));
    expect(error.code).toBe('JOURNAL_GAP');
    expect(error.details).toMatchObject({ after: 1, found: 3 });
    await store.close();
  });

  test('a forced snapshot for the uploader is written no more often than snapshotCooldownMs', async () => {
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 2, snapshotCooldownMs: 60_000 });
    const store = await open(todoStore(), freshIndexedDB(), { remote }); // the checkpoint policy itself never fires
    for (let i = 0; i < 10; i++) {
      await store.commit({ type: 'incremented', by: 1 });
      await store.whenUploaded();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await store.stats()).snapshots).toHaveLength(1);
    await store.close();
  });

  test('remote snapshots are the local snapshot bytes, verified by the same hash', async () => {
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 1 });
    const store = await open(todoStore({ checkpoint: { everyEvents: 2, cooldownMs: 0 } }), freshIndexedDB(), { remote });
    for (let i = 0; i < 4; i++) await store.commit({ type: 'added', id: `${i}`, text: 'x' });
    await store.whenUploaded();
    // Snapshots go up when the checkpoint that makes them lands, which whenUploaded does not wait for.
    await expect.poll(() => [...remote.objects.keys()].some((k) => k.startsWith('snap/'))).toBe(true);
    const key = [...remote.objects.keys()].find((k) => k.startsWith('snap/'))!;
    const { record } = await readSnapshotObject(remote.objects.get(key)!, key, 'todos');
    const local = (await store.stats()).snapshots.find((s) => s.seq === record.seq);
    expect(local?.hash).toBe(record.hash);
    await expect(readSnapshotObject(remote.objects.get(key)!, key, 'another-store')).rejects.toThrow(/not snapshot/);
    await store.close();
  });

  test('restoreFromRemote replaces a diverged device with the bucket\'s state, and refuses to drop local commits unless asked', async () => {
    const objects = new Map<string, Uint8Array>();
    const laptop = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects }) });
    for (let i = 0; i < 4; i++) await laptop.commit({ type: 'added', id: `l${i}`, text: 'laptop' });
    await laptop.whenUploaded();
    // A phone that started offline on an empty database made a history of its own.
    let reachable = false;
    const idb = freshIndexedDB();
    const phone = await open(todoStore(), idb, { remote: memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') }) });
    await phone.commit({ type: 'added', id: 'p', text: 'phone' });
    reachable = true;
    expect((await rejection(phone.whenUploaded())).code).toBe('REMOTE_CONFLICT');

    const refused = await rejection(phone.restoreFromRemote());
    expect(refused.code).toBe('REMOTE_CONFLICT');
    expect(refused.details).toMatchObject({ unuploaded: 1 });
    expect(Object.keys(phone.getState().items)).toEqual(['p']); // nothing changed

    const result = await phone.restoreFromRemote({ discardLocal: true });
    expect(result).toMatchObject({ seq: 4, discarded: 1 });
    expect(hashState(phone.getState())).toBe(hashState(laptop.getState()));
    expect(phone.remote).toMatchObject({ status: 'idle', uploadedSeq: 4, lastError: null });
    // The phone goes on from the bucket's history: its next commit uploads.
    expect(await phone.commit({ type: 'added', id: 'p2', text: 'phone again' })).toEqual({ seq: 5 });
    await phone.whenUploaded();
    await phone.close();
    const reopened = await open(todoStore(), idb);
    expect(Object.keys(reopened.getState().items)).toEqual(['l0', 'l1', 'l2', 'l3', 'p2']);
    await Promise.all([laptop.close(), reopened.close()]);
  });

  test('restoreFromRemote changes nothing when the download fails', async () => {
    let reachable = true;
    const remote = memoryRemote({ ...fast, faults: () => (reachable ? undefined : 'unavailable') });
    const store = await open(todoStore(), freshIndexedDB(), { remote });
    await store.commit({ type: 'incremented', by: 2 });
    await store.whenUploaded();
    reachable = false;
    const error = await rejection(store.restoreFromRemote());
    expect(error.code).toBe('REMOTE_FAILED');
    expect(store.getState().count).toBe(2);
    expect(await store.commit({ type: 'incremented', by: 1 })).toEqual({ seq: 2 });
    await store.close();
  });

  test('a database the browser wiped is rebuilt from the remote as it opens: the loss is reported with how far it was recovered, not refused', async () => {
    const remote = memoryRemote(fast);
    const before = await open(todoStore(), freshIndexedDB(), { remote });
    for (let i = 0; i < 6; i++) await before.commit({ type: 'added', id: `t${i}`, text: 'kept' });
    await before.whenUploaded();
    await before.close();
    // The same device after Chromium deleted its database: empty, and upgradeneeded says dataLoss.
    const wiped = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: 'IndexedDB (database was corrupt): Unknown corruption' });
    const after = await open(todoStore(), wiped, { remote });
    expect(after.loadReport.dataLoss).toMatchObject({ kind: 'total', detectedBy: 'browser', recoveredThrough: 6 });
    expect(after.loadReport.source).toBe('remote');
    expect(hashState(after.getState())).toBe(hashState(before.getState()));
    // Without a remote the same wipe is refused with DATA_LOST.
    const alone = faultyIndexedDB({ indexedDB: freshIndexedDB(), dataLoss: 'IndexedDB (database was corrupt): Unknown corruption' });
    expect((await rejection(open(todoStore(), alone))).code).toBe('DATA_LOST');
    await after.close();
  });

  test('a damaged remote snapshot that alone covered some commits is DATA_DAMAGED naming what is lost, never a shorter state', async () => {
    const remote = memoryRemote(fast);
    const idb = freshIndexedDB();
    const def = todoStore({ checkpoint: { everyEvents: 1_000_000, cooldownMs: 0 }, snapshots: 1 });
    const online = await open(def, idb, { remote });
    for (let i = 0; i < 3; i++) await online.commit({ type: 'incremented', by: 1 });
    await online.whenUploaded(); // log/1: commits 1–3
    await online.close();
    const offline = await open(def, idb); // a long time without the remote...
    for (let i = 0; i < 6; i++) await offline.commit({ type: 'incremented', by: 1 });
    await offline.checkpoint(); // ...and retention trims commits 4–8 that were never uploaded
    await offline.close();
    const store = await open(def, idb, { remote });
    await store.whenUploaded(); // so only snap/9 carries them
    const keys = [...remote.objects.keys()];
    expect(keys).toContain('snap/00000000000000000009');
    expect(keys.filter((k) => k.startsWith('log/')).every((k) => seqOfKey(k) <= 3)).toBe(true);
    const bytes = remote.objects.get('snap/00000000000000000009')!;
    bytes[bytes.length - 12]! ^= 0xff;
    const error = await rejection(open(todoStore(), freshIndexedDB(), { remote }));
    expect(error.code).toBe('DATA_DAMAGED');
    expect(error.details).toMatchObject({ restorableThrough: 3 });
    await store.close();
  });

  test('a cursor that fell behind the bucket (a crash lost its last writes) is caught up with it: no overlap, no duplicate', async () => {
    const remote = memoryRemote(fast);
    const idb = freshIndexedDB();
    const def = todoStore({ checkpoint: { everyEvents: 1_000_000, cooldownMs: 0 }, snapshots: 1 });
    const first = await open(def, idb, { remote });
    for (let i = 0; i < 3; i++) await first.commit({ type: 'incremented', by: 1 });
    await first.whenUploaded();
    const early = await withRawDatabase(idb, 'todos', (db) => request(db.transaction('remote').objectStore('remote').get('upload')));
    for (let i = 0; i < 5; i++) await first.commit({ type: 'incremented', by: 1 });
    await first.whenUploaded(); // the bucket holds 1–8
    await first.close();
    // The cursor's last writes are lost (relaxed durability, browser killed): it says 3 again.
    await withRawDatabase(idb, 'todos', (db) => request(db.transaction('remote', 'readwrite').objectStore('remote').put(early, 'upload')));
    const offline = await open(def, idb);
    await offline.commit({ type: 'incremented', by: 1 });
    await offline.checkpoint(); // trims the journal: planning from the stale cursor would send snap/9 then overlap nothing, or log/4 again
    await offline.close();
    const store = await open(def, idb, { remote });
    await store.commit({ type: 'incremented', by: 1 });
    await store.whenUploaded();
    const layout = await checkBucket(remote, 'todos'); // throws on an overlap or a hole
    expect(layout.through).toBe(10);
    const fresh = await open(todoStore(), freshIndexedDB(), { remote });
    expect(fresh.getState().count).toBe(10);
    await Promise.all([store.close(), fresh.close()]);
  });

  test('a prefix holding only another history\'s snapshot is REMOTE_CONFLICT too: nothing of this device is mixed in', async () => {
    const objects = new Map<string, Uint8Array>();
    const donor = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects, snapshotEveryCommits: 1 }) });
    await donor.commit({ type: 'incremented', by: 5 });
    await donor.checkpoint();
    await donor.commit({ type: 'incremented', by: 5 });
    await donor.whenUploaded();
    expect([...objects.keys()]).toContain('snap/00000000000000000001');
    // Its snapshot is all that is left in the bucket (its segments deleted); then a device that started offline uploads.
    for (const key of [...objects.keys()]) if (key.startsWith('log/')) objects.delete(key);
    let reachable = false;
    const device = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ ...fast, objects, faults: () => (reachable ? undefined : 'drop') }) });
    await device.commit({ type: 'incremented', by: 1 });
    reachable = true;
    expect((await rejection(device.whenUploaded())).code).toBe('REMOTE_CONFLICT');
    expect([...objects.keys()].every((k) => k.startsWith('snap/'))).toBe(true);
    await Promise.all([donor.close(), device.close()]);
  });

  test('restoreFromRemote({ atSeq }) brings back an uploaded point as a new commit, which every device gets, and can be undone', async () => {
    const remote = memoryRemote({ ...fast, snapshotEveryCommits: 3, snapshotCooldownMs: 0 });
    const laptop = await open(todoStore({ checkpoint: { everyEvents: 3, cooldownMs: 0 }, snapshots: 10 }), freshIndexedDB(), { remote });
    await laptop.commit({ type: 'added', id: 'a', text: 'one' });
    await laptop.whenUploaded();
    // A group commit: seqs 2 and 3 share one journal record, so seq 2 is a point inside a record.
    await Promise.all([laptop.commit({ type: 'added', id: 'b', text: 'two' }), laptop.commit({ type: 'added', id: 'c', text: 'three' })]);
    await laptop.whenUploaded();
    for (let i = 0; i < 4; i++) {
      await laptop.commit({ type: 'incremented', by: 1 });
      await laptop.whenUploaded();
    }

    const phone = await open(todoStore(), freshIndexedDB(), { remote });
    const restored = await phone.restoreFromRemote({ atSeq: 2 });
    expect(restored).toMatchObject({ seq: 8, discarded: 0, safetySnapshot: { kind: 'rewind', seq: 7 } });
    expect(Object.keys(phone.getState().items)).toEqual(['a', 'b']);
    expect(phone.getState().count).toBe(0);
    await phone.whenUploaded();
    // The restore is a commit like any other: a third device gets it from the bucket.
    const tablet = await open(todoStore(), freshIndexedDB(), { remote });
    expect(hashState(tablet.getState())).toBe(hashState(phone.getState()));
    // Undo: back to the state before it.
    await phone.rewind(restored.safetySnapshot!.seq);
    expect(phone.getState().count).toBe(4);
    // A point the bucket cannot rebuild is refused, and nothing changes.
    const error = await rejection(phone.restoreFromRemote({ atSeq: 999 }));
    expect(error.code).toBe('HISTORY_OUT_OF_RANGE');
    expect(phone.getState().count).toBe(4);
    await Promise.all([laptop.close(), phone.close(), tablet.close()]);
  });
});

