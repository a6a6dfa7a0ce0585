// Issue #10 item 7 at scale against Ceph RGW: real engines (a fresh
// fake-indexeddb each) commit 300 times each with random delays, go offline
// and online at random, and meet dropped requests, answers lost after the
// server stored the object, and 503s, while they snapshot and compact the
// shared log. All invariants must hold, and a new device must agree.
import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { faultyRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { freshIndexedDB, open, random, todoStore } from '../unit/fixtures.js';
import { archived, randomEvent, readArchivedLog } from '../unit/sync-devices.js';
import { checkStores, compactedInTheEnd, trackRejections } from '../unit/sync-stores.js';
import { bucketRemote, createBucket } from './s3-server.js';

const DEVICES = 4;
const COMMITS = 300;
const FAULT_RATE = 0.1;

describe('sync mode at scale against Ceph RGW', () => {
  test(`invariants a–e: ${DEVICES} devices × ${COMMITS} commits with random delays, offline spells, drops, lost answers and 503s, while they snapshot and compact`, async () => {
    const bucket = await createBucket();
    const policy = { mode: 'sync' as const, uploadDelayMs: 20, maxBackoffMs: 200, snapshotEveryCommits: 150, keepSnapshots: 2 };
    const archive = archived(bucketRemote(bucket, 'scale', policy));
    const rand = random(2026);
    const online = Array.from({ length: DEVICES }, () => true);
    let faultRate = FAULT_RATE;
    let skew = 0;
    const faults = { drop: 0, 'lose-answer': 0, unavailable: 0 };
    const def = todoStore();
    const devices = await Promise.all(
      online.map((_, d) =>
        open(def, freshIndexedDB(), {
          now: () => Date.now() + skew,
          remote: faultyRemote(archive.remote, (): RemoteFaultInjection => {
            if (!online[d]) return 'drop';
            const roll = rand();
            if (roll >= faultRate) return undefined;
            const fault = roll < faultRate / 3 ? 'drop' : roll < (2 * faultRate) / 3 ? 'lose-answer' : 'unavailable';
            faults[fault]++;
            return fault;
          }),
        }),
      ),
    );
    const acked: string[][] = devices.map(() => []);
    const rejected = devices.map(trackRejections);
    const started = Date.now();
    await Promise.all(
      devices.map(async (store, d) => {
        for (let n = 1; n <= COMMITS; n++) {
          if (rand() < 0.03) online[d] = !online[d];
          const tag = `d${d}-${n}`;
          // A tag to find the commit by, and an event that may stop applying once others' commits come first.
          if (await store.commit({ type: 'added', id: tag, text: 'x' }, randomEvent(rand)).then(() => true, () => false)) acked[d]!.push(tag);
          await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 40)));
        }
      }),
    );
    const committing = Date.now() - started;
    online.fill(true);
    faultRate = 0;
    for (let round = 0; round < 2; round++) for (const store of devices) await store.whenUploaded();
    const log = await readArchivedLog(archive, 'todos');
    checkStores(devices, acked, rejected, log, 'at scale');
    expect(acked.flat().length).toBeGreaterThan(DEVICES * COMMITS * 0.9); // the rest threw in their reducer on the device
    expect(log.length + rejected.reduce((sum, tags) => sum + tags.size, 0)).toBe(acked.flat().length);
    expect(faults.drop && faults['lose-answer'] && faults.unavailable, JSON.stringify(faults)).toBeGreaterThan(0);
    expect(archive.racesLost, 'devices raced for log positions').toBeGreaterThan(0);
    await compactedInTheEnd(devices, archive.remote, () => (skew = 10 * 60_000), 'at scale');
    const fresh = await open(def, freshIndexedDB(), { remote: bucketRemote(bucket, 'scale', policy) });
    expect(fresh.loadReport.remote!.snapshotSeq).toBeGreaterThan(0);
    expect(hashState(fresh.getState())).toBe(hashState(devices[0]!.getState()));
    console.info(
      `sync at scale: ${log.length} commits in the log, ${rejected.reduce((sum, tags) => sum + tags.size, 0)} rejected, ` +
        `${archive.segments.size} segments pushed, ${archive.racesLost} races lost, ${archive.orphans.length} orphans, faults ${JSON.stringify(faults)}, ` +
        `committing ${committing} ms, total ${Date.now() - started} ms`,
    );
    await Promise.all([...devices, fresh].map((store) => store.close()));
  }, 120_000);
});
