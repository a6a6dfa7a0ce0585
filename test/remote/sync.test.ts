// Sync's sequencer against a real S3 server (Ceph RGW): devices race for
// log positions with If-None-Match, and the server's answers decide.
import { describe, expect, test } from 'vitest';
import { s3Remote } from 'tidemark/s3';
import { probeConditionalWrites } from '../../worker/remote/capability-probe.js';
import { applyEvents } from '../../src/apply-events.js';
import type { Remote } from '../../worker/remote/remote.js';
import { syncOnce } from '../../worker/remote/shared-log.js';
import { hashState } from 'tidemark';
import { segmentKey } from '../../worker/remote/objects.js';
import { archived, checkInvariants, commit, def, logCompactedBy, newDevice, readArchivedLog, readLog, run, snapshotAndCompact, sync } from '../unit/sync-devices.js';
import { createBucket } from './s3-server.js';

async function bucketRemote(prefix: string) {
  const bucket = await createBucket();
  const { endpoint, accessKeyId, secretAccessKey, region } = bucket.server;
  return s3Remote({ endpoint, bucket: bucket.name, prefix, credentials: { accessKeyId, secretAccessKey, region } });
}

describe('sync against Ceph RGW', () => {
  test('the capability probe accepts RGW: a second If-None-Match write of one key is refused', async () => {
    await expect(probeConditionalWrites(await bucketRemote('probe-test'))).resolves.toBeUndefined();
  });

  test('two devices pushing to the same position at once: RGW lets exactly one win, the other pulls, rebases and goes next', async () => {
    const remote = await bucketRemote('race');
    for (let round = 0; round < 5; round++) {
      const [a, b] = [newDevice(`a${round}`), newDevice(`b${round}`)];
      if (round > 0) {
        // Both catch up first, so they race for the same next position.
        expect(await sync(a, remote)).toBe(true);
        expect(await sync(b, remote)).toBe(true);
      }
      commit(a, [{ type: 'incremented', by: 1 }], round);
      commit(b, [{ type: 'incremented', by: 10 }], round);
      // A barrier: neither PUT goes out before both devices have pulled and built theirs.
      let release!: () => void;
      const bothReady = new Promise<void>((resolve) => (release = resolve));
      let waiting = 0;
      const atBarrier: Remote = {
        ...remote,
        create: async (key, bytes, signal) => {
          if (++waiting === 2) release();
          await bothReady;
          return remote.create(key, bytes, signal);
        },
      };
      const [first, second] = await Promise.all([syncOnce(atBarrier, def, a.log, { device: a.id, batch: 'a' }), syncOnce(atBarrier, def, b.log, { device: b.id, batch: 'b' })]);
      expect([first.done, second.done].filter(Boolean), `round ${round}`).toHaveLength(1);
      const loser = first.done ? b : a;
      loser.log = (first.done ? second : first).device;
      expect(await sync(loser, remote)).toBe(true);
    }
    const log = await readLog(remote);
    expect(log).toHaveLength(10);
    expect((log.reduce((state, c) => applyEvents(def, state, c.events), def.initial()) as { count: number }).count).toBe(55);
  });

  test('invariants a–e: 3 devices × 40 commits racing for log positions, with offline spells, drops, lost answers and 503s', async () => {
    for (let seed = 1; seed <= 2; seed++) {
      const { all, log } = await run(await bucketRemote(`shared/${seed}`), seed, 3, 40, 0.15);
      checkInvariants(all, log, `seed ${seed}`);
      expect(log.length).toBeGreaterThan(60);
    }
  }, 120_000);
});

describe('sync with compaction against Ceph RGW', () => {
  test('the fork hazard, raced on a real server: compaction deletes the key between a device’s pull and its create; the orphan it wins is never applied', async () => {
    const archive = archived(await bucketRemote('fork'));
    const [a, b, racer] = [newDevice('a'), newDevice('b'), newDevice('racer')];
    commit(a, [{ type: 'incremented', by: 1 }], 0);
    for (const device of [a, b, racer]) expect(await sync(device, archive.remote)).toBe(true);
    let raced = false;
    const racing: Remote = {
      ...archive.remote,
      create: async (key, bytes, signal) => {
        if (!raced && key === segmentKey(2)) {
          raced = true;
          await logCompactedBy(b, a, archive.remote, 4);
        }
        return archive.remote.create(key, bytes, signal);
      },
    };
    commit(racer, [{ type: 'incremented', by: 100 }], 1);
    expect(await sync(racer, racing)).toBe(true);
    expect(archive.orphans).toEqual([segmentKey(2)]);
    for (const device of [a, b]) expect(await sync(device, archive.remote)).toBe(true);
    checkInvariants([a, b, racer], await readArchivedLog(archive), 'raced on RGW');
    expect((racer.log.state as { count: number }).count).toBe(105);
  });

  test('invariants a–e: 3 devices × 40 commits while they snapshot and compact, with faults; a new device catches up from the newest snapshot', async () => {
    const { all, log, archive } = await run(await bucketRemote('compacting'), 7, 3, 40, 0.15, { keepSnapshots: 1, rate: 0.05 });
    checkInvariants(all, log, 'compacting on RGW');
    // One pass more by every device, with no faults: a lease whose release was lost in the run
    // is taken back by its holder, so compaction surely ran, and the late device must use a snapshot.
    for (const device of all) await snapshotAndCompact(device, archive.remote, 1);
    expect(await archive.remote.get(segmentKey(1))).toBeUndefined();
    const late = newDevice('late');
    expect(await sync(late, archive.remote)).toBe(true);
    expect(hashState(late.log.state)).toBe(hashState(all[0]!.log.state));
  }, 120_000);
});
