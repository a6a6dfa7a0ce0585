// The sync rows (issue: several devices, one store): two devices, each a
// headless Chromium with a profile of its own (its own IndexedDB), syncing
// the bench's count store through the run's bucket with sync mode's
// defaults. Driven from Node through bench/pages/sync-device.ts.
//
// - arrival: a commit on device A → the same commit in device B's page
//   state (median and p99), against the floor of any message through a
//   bucket: one signed PUT and one GET of a small object. Sync mode pushes
//   500 ms after a commit and a device polls every 2 s while active (S3
//   has no notifications), so the figure is mostly those two waits.
// - rebase: A makes N commits offline while B pushes one; A's network comes
//   back, and the time until A's N commits are in the shared log (pull B's,
//   rebase the N on top, push) is compared with the same N pushed when
//   nobody else wrote (no rebase).
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LAUNCH_ARGS, MISSING_BROWSER_HELP, findChromium } from '../scripts/chromium.mjs';

export const SYNC = {
  floor: 'floor.s3-roundtrip',
  arrival: 'tidemark.sync.arrival',
  pushFloor: 'tidemark.sync.push-offline-commits',
  rebase: 'tidemark.sync.rebase-offline-commits',
};

/** How much each profile measures. */
const SIZES = {
  full: { arrivals: 20, roundTrips: 20, offlineCommits: 1000, repeats: 3 },
  quick: { arrivals: 2, roundTrips: 3, offlineCommits: 20, repeats: 1 },
};

/**
 * The sync rows, or rows saying why they are missing. `origin` serves
 * bench/pages/ (the run's Vite server), `s3` is the run's bucket.
 */
export async function measureSync({ origin, s3, quick, dir, log }) {
  if (!s3) {
    const note = 'not measured: no S3 server (install Ceph RGW with `node scripts/rgw.mjs ensure`, or set TIDEMARK_S3_ENDPOINT)';
    return Object.values(SYNC).map((name) => ({ name, label: name, group: name.startsWith('floor') ? 'floor' : 'tidemark', unit: 'ms', value: null, n: 0, note }));
  }
  const sizes = quick ? SIZES.quick : SIZES.full;
  const run = Date.now().toString(36);
  const devices = [];
  try {
    const [a, b] = [await openDevice(origin, dir), await openDevice(origin, dir)];
    devices.push(a, b);

    log(`sync: the round-trip floor (${sizes.roundTrips}×)`);
    const roundTrips = [];
    for (let i = 0; i < sizes.roundTrips; i++) {
      roundTrips.push(await b.page.evaluate(([bucket, key]) => window.device.roundTrip(bucket, key), [{ ...s3, prefix: `bench/sync-${run}-floor` }, `o${i}`]));
    }

    log(`sync: commit on A → arrival in B's page (${sizes.arrivals}×)`);
    const config = { store: { name: `sync-${run}-arrival`, reducer: 'count' }, s3: { ...s3, prefix: `bench/sync-${run}-arrival` } };
    await connect([a, b], config);
    const arrivals = [];
    for (let i = 1; i <= sizes.arrivals; i++) {
      // A random wait first, so commits land at every phase of B's polling, as a user's do.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2_000));
      const arrived = b.page.evaluate((count) => window.device.whenCount(count), i);
      const committed = await a.page.evaluate(() => window.device.commit(1));
      arrivals.push((await arrived) - committed);
    }

    const n = sizes.offlineCommits;
    const pushes = [];
    const rebases = [];
    for (let r = 0; r < sizes.repeats; r++) {
      log(`sync: ${n} offline commits pushed alone, then rebased on another device's commit (${r + 1}/${sizes.repeats})`);
      pushes.push(await offlineThenOnline([a, b], { ...config, store: { ...config.store, name: `sync-${run}-push${r}` }, s3: { ...s3, prefix: `bench/sync-${run}-push${r}` } }, n, false));
      rebases.push(await offlineThenOnline([a, b], { ...config, store: { ...config.store, name: `sync-${run}-rebase${r}` }, s3: { ...s3, prefix: `bench/sync-${run}-rebase${r}` } }, n, true));
    }

    const arrivalNote = `${sizes.arrivals} single commits on A, each after a random 0–2 s wait; wall clock from commit() on A to B's page state holding it; p99 ${p99(arrivals).toFixed(0)} ms. Sync mode's defaults: A pushes 500 ms after a commit, B polls every 2 s while active`;
    return [
      msRow({ name: SYNC.floor, label: 'one signed PUT + GET of a small object', group: 'floor', n: 1, note: 'aws4fetch on the page, If-None-Match: *; the least any message through a bucket costs' }, roundTrips),
      msRow({ name: SYNC.arrival, label: 'tidemark sync: commit on A → in B\u2019s page', group: 'tidemark', n: 1, ref: SYNC.floor, note: arrivalNote }, arrivals),
      msRow({ name: SYNC.pushFloor, label: `tidemark sync: ${n} offline commits pushed, no rebase`, group: 'tidemark', n, ref: SYNC.floor, note: `A commits ${n} events while offline; from the online event to all of them in the shared log, nobody else having written` }, pushes),
      msRow({ name: SYNC.rebase, label: `tidemark sync: ${n} offline commits rebased and pushed`, group: 'tidemark', n, ref: SYNC.pushFloor, note: `the same, after B pushed one commit meanwhile: A's push is refused (412), it pulls B's commit, rebases its ${n} on top (the reducers run again) and pushes` }, rebases),
    ];
  } finally {
    for (const device of devices) await device.close();
  }
}

/** A's `n` commits made offline, B's one commit meanwhile when `conflict`; ms from A's online event to A synced. */
async function offlineThenOnline([a, b], config, n, conflict) {
  await connect([a, b], config);
  await a.context.setOffline(true);
  await a.page.evaluate((count) => window.device.commit(count), n);
  if (conflict) {
    await b.page.evaluate(() => window.device.commit(1));
    await b.page.evaluate(() => window.device.whenSynced());
  }
  await a.page.evaluate(() => window.device.armOnline());
  await a.context.setOffline(false);
  const ms = await a.page.evaluate(() => window.device.syncedAfterOnline());
  const expected = n + (conflict ? 1 : 0);
  const count = await a.page.evaluate(() => window.device.count());
  if (count !== expected) throw new Error(`sync: device A counts ${count} events after syncing, not ${expected}`);
  return ms;
}

/** Each device loads the page afresh (its last store closes with it) and connects to `config`'s store. */
async function connect(devices, config) {
  for (const device of devices) {
    await load(device.page, device.origin);
    await device.page.evaluate((c) => window.device.connect(c), config);
  }
}

async function load(page, origin) {
  await page.goto(`${origin}/bench/pages/sync-device.html`);
  await page.waitForFunction(() => typeof window.device === 'object', null, { timeout: 60_000 });
}

async function openDevice(origin, dir) {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(MISSING_BROWSER_HELP);
  const profileDir = await mkdtemp(join(dir, 'chromium-sync-device-'));
  const context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: LAUNCH_ARGS });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[sync device] ${error.message}`));
  await load(page, origin);
  return {
    origin,
    context,
    page,
    close: async () => {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function p99(values) {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

function msRow(row, samples) {
  return { ...row, unit: 'ms', value: median(samples), samples };
}
