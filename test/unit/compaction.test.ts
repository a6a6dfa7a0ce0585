import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { faultyRemote, memoryRemote } from 'tidemark/worker';
import { compact } from '../../worker/remote/compaction.js';
import { CLOCK_SKEW_MS, LEASE_KEY, takeLease } from '../../worker/remote/lease.js';
import { download, rebuildDownload } from '../../worker/remote/hydrate.js';
import { stateOfLoaded } from '../../worker/load.js';
import { segmentKey, segmentObject, snapshotKey } from '../../worker/remote/objects.js';
import type { Remote } from '../../worker/remote/remote.js';
import { archived, checkInvariants, commit, def, logCompactedBy, newDevice, readArchivedLog, run, sync } from './sync-devices.js';

const options = (holder: string, now = Date.now) => ({ keepSnapshots: 1, leaseMs: 60_000, holder, now });

describe('sync: compaction of the shared log (in-memory remote)', () => {
  test('invariants a–e hold with snapshots and compaction running among the commits, and a new device catches up from the newest snapshot, over 30 seeds', async () => {
    let compacted = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const objects = new Map<string, Uint8Array>();
      const { all, log, archive } = await run(memoryRemote({ objects }), seed, 4, 60, 0.2, { keepSnapshots: 1 + (seed % 2), rate: 0.05 });
      checkInvariants(all, log, `seed ${seed}`);
      if (!objects.has(segmentKey(1))) compacted++;
      const late = newDevice('late');
      expect(await sync(late, archive.remote)).toBe(true);
      expect(hashState(late.log.state), `seed ${seed}: a new device`).toBe(hashState(all[0]!.log.state));
    }
    expect(compacted).toBeGreaterThan(10); // compaction did delete the start of the log
  }, 120_000);

  test('the fork hazard: a device behind a compacted snapshot never creates log/<its seq + 1> again; it starts from the snapshot and pushes after it', async () => {
    const archive = archived(memoryRemote());
    const [a, b, lagging] = [newDevice('a'), newDevice('b'), newDevice('lagging')];
    commit(lagging, [{ type: 'added', id: 'x', text: 'milk' }], 0);
    expect(await sync(lagging, archive.remote)).toBe(true); // log/1; lagging is at seq 1
    expect(await sync(a, archive.remote)).toBe(true);
    await logCompactedBy(b, a, archive.remote, 6); // log/2..7, snapshot at 7, log/1..7 deleted
    commit(lagging, [{ type: 'toggled', id: 'x' }], 1);
    expect(await sync(lagging, archive.remote)).toBe(true);
    expect(archive.orphans).toEqual([]); // no second object at log/2
    for (const device of [a, b]) expect(await sync(device, archive.remote)).toBe(true);
    checkInvariants([a, b, lagging], await readArchivedLog(archive), 'lagging');
    expect((lagging.log.state as { count: number }).count).toBe(6);
  });

  test('the fork hazard, raced: compaction deletes the key between a device’s pull and its create; the orphan it wins is never applied, its commit goes after the snapshot', async () => {
    const archive = archived(memoryRemote());
    const [a, b, racer] = [newDevice('a'), newDevice('b'), newDevice('racer')];
    commit(a, [{ type: 'incremented', by: 1 }], 0);
    expect(await sync(a, archive.remote)).toBe(true);
    expect(await sync(b, archive.remote)).toBe(true);
    expect(await sync(racer, archive.remote)).toBe(true); // all at seq 1
    let raced = false;
    const racing: Remote = {
      ...archive.remote,
      create: async (key, bytes, signal) => {
        if (!raced && key === segmentKey(2)) {
          raced = true; // the others take log/2.., snapshot and compact while racer's PUT is on its way
          await logCompactedBy(b, a, archive.remote, 4);
        }
        return archive.remote.create(key, bytes, signal);
      },
    };
    commit(racer, [{ type: 'incremented', by: 100 }], 1);
    expect(await sync(racer, racing)).toBe(true);
    expect(archive.orphans).toEqual([segmentKey(2)]); // the create did win a deleted key…
    for (const device of [a, b]) expect(await sync(device, archive.remote)).toBe(true);
    checkInvariants([a, b, racer], await readArchivedLog(archive), 'raced'); // …and no device applied it
    expect((racer.log.state as { count: number }).count).toBe(105);
  });

  test('a push whose answer was lost, then compacted away, is known from the snapshot’s heads: never pushed twice', async () => {
    const archive = archived(memoryRemote());
    const [a, b, device] = [newDevice('a'), newDevice('b'), newDevice('d')];
    let lose = true;
    const flaky = faultyRemote(archive.remote, (call) => (call.op === 'create' && call.key.startsWith('log/') && lose ? ((lose = false), 'lose-answer') : undefined));
    commit(device, [{ type: 'incremented', by: 1000 }], 0);
    expect(await sync(device, flaky)).toBe(false); // landed at log/1; the device never heard
    await logCompactedBy(b, a, archive.remote, 4); // log/1 is compacted into the snapshot
    expect(await sync(device, archive.remote)).toBe(true);
    for (const other of [a, b]) expect(await sync(other, archive.remote)).toBe(true);
    checkInvariants([a, b, device], await readArchivedLog(archive), 'lost answer');
    expect((device.log.state as { count: number }).count).toBe(1004);
  });

  test('a new device hydrating while the log is compacted and an orphan re-creates a listed key starts from the snapshot, never from the orphan', async () => {
    const objects = new Map<string, Uint8Array>();
    const bucket = memoryRemote({ objects });
    const [a, b] = [newDevice('a'), newDevice('b')];
    commit(a, [{ type: 'incremented', by: 1 }], 0);
    expect(await sync(a, bucket)).toBe(true);
    const late = { seq: 0, last: 1, version: 1, commits: [{ seq: 1, at: 0, events: [{ type: 'incremented', by: 1000 }], origin: 'late:1' }] };
    let raced = false;
    const racing: Remote = {
      ...bucket,
      mode: 'sync',
      list: async (prefix, listOptions, signal) => {
        const keys = await bucket.list(prefix, listOptions, signal);
        if (prefix === 'log/' && !raced) {
          raced = true; // after the listing: compaction deletes log/1, and a PUT from long ago lands there
          await logCompactedBy(b, a, bucket, 4);
          expect(await bucket.create(segmentKey(1), await segmentObject('shared', [{ ...late, seq: 1 }]))).toBe(true);
        }
        return keys;
      },
    };
    const downloaded = await download(racing, def, Date.now);
    expect(downloaded!.report.snapshotSeq).toBe(5);
    const loaded = rebuildDownload(def, downloaded!, 0, Date.now);
    expect(hashState(stateOfLoaded(def, loaded))).toBe(hashState(b.log.state));
  });

  test('retention keeps the newest snapshots, and segments after the oldest kept one', async () => {
    const objects = new Map<string, Uint8Array>();
    const bucket = memoryRemote({ objects });
    const [a, b] = [newDevice('a'), newDevice('b')];
    for (let round = 0; round < 3; round++) await logCompactedBy(b, a, bucket, 2, 2);
    const keys = [...objects.keys()].sort();
    expect(keys.filter((key) => key.startsWith('snap/'))).toEqual([snapshotKey(4), snapshotKey(6)]);
    expect(keys.filter((key) => key.startsWith('log/'))).toEqual([segmentKey(5), segmentKey(6)]);
    expect(keys).not.toContain(LEASE_KEY); // given back
  });

  test('one compactor at a time: a held lease skips the pass; an expired one is broken; a lease whose create answer was lost is taken back', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const objects = new Map<string, Uint8Array>();
    const bucket = memoryRemote({ objects });
    expect(await takeLease(bucket, 'x', 60_000, now)).toBe(clock + 60_000);
    expect(await compact(bucket, options('y', now))).toMatchObject({ ran: false });
    clock += 60_000 + CLOCK_SKEW_MS - 1;
    expect(await compact(bucket, options('y', now))).toMatchObject({ ran: false }); // within the clock skew
    clock += 2;
    expect(await compact(bucket, options('y', now))).toMatchObject({ ran: true });
    expect(objects.has(LEASE_KEY)).toBe(false);
    let lose = true;
    const flaky = faultyRemote(bucket, (call) => (call.op === 'create' && lose ? ((lose = false), 'lose-answer') : undefined));
    await expect(takeLease(flaky, 'z', 60_000, now)).rejects.toThrow(/answer was lost/);
    expect(await takeLease(flaky, 'z', 60_000, now)).toBe(clock + 60_000);
  });
});
