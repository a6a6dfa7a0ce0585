// Issue #10 item 7 at scale against Ceph RGW: real engines (a fresh
// fake-indexeddb each) commit 300 times each with random delays, go offline
// and online at random, and meet dropped requests, answers lost after the
// server stored the object, and 503s, while they snapshot and compact the
// shared log. All invariants must hold, and a new device must agree.
import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { freshIndexedDB, open, todoStore } from '../unit/fixtures.js';
import { archived, readArchivedLog } from '../unit/sync-devices.js';
import { checkStores, compactedInTheEnd, runStores } from '../unit/sync-stores.js';
import { bucketRemote, createBucket } from './s3-server.js';

const DEVICES = 4;
const COMMITS = 300;

describe('sync mode at scale against Ceph RGW', () => {
  test(`invariants a–e: ${DEVICES} devices × ${COMMITS} commits with random delays, offline spells, drops, lost answers and 503s, while they snapshot and compact`, async () => {
    const bucket = await createBucket();
    const policy = { mode: 'sync' as const, uploadDelayMs: 20, maxBackoffMs: 200, snapshotEveryCommits: 150, keepSnapshots: 2 };
    const archive = archived(bucketRemote(bucket, 'scale', policy));
    let skew = 0;
    const started = Date.now();
    const run = { devices: DEVICES, commits: COMMITS, seed: 2026, faultRate: 0.1, toggleRate: 0.03, delayMs: 80, now: () => Date.now() + skew };
    const { stores: devices, acked, rejected, faults } = await runStores(archive.remote, run);
    const synced = Date.now() - started;
    const log = await readArchivedLog(archive, 'todos');
    checkStores(devices, acked, rejected, log, 'at scale');
    expect(acked.flat().length).toBeGreaterThan(DEVICES * COMMITS * 0.9); // the rest threw in their reducer on the device
    expect(log.length + rejected.reduce((sum, tags) => sum + tags.size, 0)).toBe(acked.flat().length);
    expect(faults.drop && faults['lose-answer'] && faults.unavailable, JSON.stringify(faults)).toBeGreaterThan(0);
    expect(archive.racesLost, 'devices raced for log positions').toBeGreaterThan(0);
    await compactedInTheEnd(devices, archive.remote, () => (skew = 10 * 60_000), 'at scale');
    const fresh = await open(todoStore(), freshIndexedDB(), { remote: bucketRemote(bucket, 'scale', policy) });
    expect(fresh.loadReport.remote!.snapshotSeq).toBeGreaterThan(0);
    expect(hashState(fresh.getState())).toBe(hashState(devices[0]!.getState()));
    console.info(
      `sync at scale: ${log.length} commits in the log, ${rejected.reduce((sum, tags) => sum + tags.size, 0)} rejected, ` +
        `${archive.segments.size} segments pushed, ${archive.racesLost} races lost, ${archive.orphans.length} orphans, faults ${JSON.stringify(faults)}, ` +
        `commits and sync ${synced} ms, total ${Date.now() - started} ms`,
    );
    await Promise.all([...devices, fresh].map((store) => store.close()));
  }, 120_000);
});
