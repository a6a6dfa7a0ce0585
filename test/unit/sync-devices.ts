// Simulated devices for the sync tests: each holds its view of the shared
// log and its own pending commits, makes random commits and syncs through a
// remote (in memory, or the real S3 server) with syncOnce, the sequencer.
import { expect } from 'vitest';
import { hashState, TidemarkError, type EventsOf } from 'tidemark';
import { applyEvents } from '../../src/apply-events.js';
import { faultyRemote, type RemoteFaultInjection } from 'tidemark/worker';
import { RemoteFault, type Remote } from '../../worker/remote/remote.js';
import { readSegmentObject, segmentKey, seqOfKey } from '../../worker/remote/objects.js';
import { syncOnce, type DeviceLog } from '../../worker/remote/shared-log.js';
import { uploadSharedSnapshot } from '../../worker/remote/shared-snapshot.js';
import { compact } from '../../worker/remote/compaction.js';
import { random, todoStore } from './fixtures.js';

export const def = todoStore({ name: 'shared' }) as unknown as Parameters<typeof syncOnce>[1];
export type Event = EventsOf<ReturnType<typeof todoStore>>;

/** A simulated device: its view of the log, what it acknowledged, what it was told was rejected. */
export interface Device {
  id: string;
  log: DeviceLog;
  acked: string[];
  rejected: Set<string>;
  n: number;
  /** Pushes that lost their position to another device. */
  conflicts: number;
}

export function newDevice(id: string): Device {
  return { id, log: { seq: 0, state: def.initial(), pending: [], heads: {} }, acked: [], rejected: new Set(), n: 0, conflicts: 0 };
}

/** The device's own state: the shared log's, with its pending commits on top. */
export function deviceState(device: Device): unknown {
  return device.log.pending.reduce((state, commit) => applyEvents(def, state, commit.events), device.log.state);
}

/** A local commit, as the engine makes one: it must apply on the device's state, then it is acknowledged. */
export function commit(device: Device, events: Event[], at: number): boolean {
  try {
    applyEvents(def, deviceState(device), events as never);
  } catch {
    return false;
  }
  const origin = `${device.id}:${++device.n}`;
  device.log.pending.push({ origin, at, events: events as never });
  device.acked.push(origin);
  return true;
}

/** Syncs until done or a network fault; returns false on a fault (the device stays as it was, plus what landed). */
export async function sync(device: Device, remote: Remote, attempts = 50): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    let result;
    try {
      result = await syncOnce(remote, def, device.log, { device: device.id, batch: `${device.id}/${i}/${Math.random().toString(36).slice(2, 6)}` });
    } catch (error) {
      if (error instanceof RemoteFault && error.kind === 'transient') return false;
      throw error;
    }
    device.log = result.device;
    for (const { commit, error } of result.rejected) {
      expect(error).toBeInstanceOf(TidemarkError);
      device.rejected.add(commit.origin);
    }
    if (result.fault) {
      if (result.fault instanceof RemoteFault && result.fault.kind === 'transient') return false;
      throw result.fault;
    }
    if (result.done) return true;
    device.conflicts++;
  }
  throw new Error(`${device.id} did not get into the log in ${attempts} attempts`);
}

/** Every segment of the log, checked gapless from seq 1: the commits in log order. */
export async function readLog(bucket: Remote, store = 'shared') {
  const keys = await bucket.list('log/');
  const commits = [];
  let seq = 0;
  for (const key of keys) {
    expect(seqOfKey(key), `the log is gapless at ${key}`).toBe(seq + 1);
    const { header, records } = await readSegmentObject((await bucket.get(key))!, key, store);
    for (const record of records) commits.push(...record.commits);
    seq = header.last;
  }
  return commits;
}

/** A bucket that remembers every segment's first creation, so the log can be read back after compaction deleted it. */
export interface ArchivedBucket {
  remote: Remote;
  /** Each log key's first object: the shared log as devices sequenced it. */
  segments: Map<string, Uint8Array>;
  /** Creates that won a key compaction had deleted: orphans, which no device may ever apply. */
  orphans: string[];
  /** Creates of a log key that another device had taken first (412 / 409): races for a position. */
  racesLost: number;
}

export function archived(bucket: Remote): ArchivedBucket {
  const segments = new Map<string, Uint8Array>();
  const orphans: string[] = [];
  const archive = { segments, orphans, racesLost: 0 };
  const remote: Remote = {
    ...bucket,
    create: async (key, bytes, signal) => {
      const won = await bucket.create(key, bytes, signal);
      if (!won && key.startsWith('log/')) archive.racesLost++;
      if (won && key.startsWith('log/')) {
        if (segments.has(key)) orphans.push(key);
        else segments.set(key, bytes.slice());
      }
      return won;
    },
  };
  return Object.assign(archive, { remote });
}

/** The archived log, gapless from seq 1: the commits in log order. */
export async function readArchivedLog(archive: ArchivedBucket, store = 'shared') {
  const commits = [];
  let seq = 0;
  for (const [key, bytes] of [...archive.segments].sort(([x], [y]) => (x < y ? -1 : 1))) {
    expect(key, 'the archived log is gapless').toBe(segmentKey(seq + 1));
    const { header, records } = await readSegmentObject(bytes, key, store);
    for (const record of records) commits.push(...record.commits);
    seq = header.last;
  }
  return commits;
}

/** Devices a and b push one commit each in turns, so the log has `n` segments; then b snapshots and compacts. */
export async function logCompactedBy(b: Device, a: Device, bucket: Remote, n: number, keepSnapshots = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    const device = i % 2 === 0 ? a : b;
    commit(device, [{ type: 'incremented', by: 1 }], i);
    expect(await sync(device, bucket)).toBe(true);
  }
  expect(await sync(b, bucket)).toBe(true);
  expect(await snapshotAndCompact(b, bucket, keepSnapshots)).toBe(true);
}

/** Uploads the device's shared state as a snapshot, then compacts; false on a network fault. */
export async function snapshotAndCompact(device: Device, remote: Remote, keepSnapshots: number): Promise<boolean> {
  const { seq, state, heads } = device.log;
  if (seq === 0 || !heads) return true;
  try {
    await uploadSharedSnapshot(remote, def, { seq, state, heads }, seq);
    await compact(remote, { keepSnapshots, leaseMs: 60_000, holder: device.id, now: Date.now });
    return true;
  } catch (error) {
    if (error instanceof RemoteFault && error.kind === 'transient') return false;
    throw error;
  }
}

export function randomEvent(rand: () => number): Event {
  const id = `t${Math.floor(rand() * 6)}`;
  const roll = rand();
  if (roll < 0.4) return { type: 'added', id, text: `v${Math.floor(rand() * 1000)}` };
  if (roll < 0.6) return { type: 'toggled', id }; // throws when another device removed it first: a rejection on rebase
  if (roll < 0.7) return { type: 'removed', id };
  return { type: 'incremented', by: Math.floor(rand() * 5) };
}

/**
 * Devices making random commits, syncing through `bucket` at random, going
 * offline and meeting drops, lost answers and 503s at `faultRate`; then all
 * sync until quiescent. Returns the devices and the log read back.
 */
export async function run(
  bucket: Remote,
  seed: number,
  devices: number,
  commitsEach: number,
  faultRate: number,
  /** Snapshots and compaction running among the commits: a device snapshots and compacts at this rate per step. */
  compaction?: { keepSnapshots: number; rate: number },
) {
  const rand = random(seed);
  const archive = archived(bucket);
  const all = Array.from({ length: devices }, (_, i) => newDevice(`d${i}`));
  const online = new Map(all.map((d) => [d.id, true]));
  const remoteOf = (device: Device) =>
    faultyRemote(archive.remote, (): RemoteFaultInjection => {
      if (!online.get(device.id)) return 'drop';
      const roll = rand();
      if (roll >= faultRate) return undefined;
      return roll < faultRate / 3 ? 'drop' : roll < (2 * faultRate) / 3 ? 'lose-answer' : 'unavailable';
    });
  await Promise.all(
    all.map(async (device) => {
      const remote = remoteOf(device);
      for (let made = 0; made < commitsEach; ) {
        const roll = rand();
        if (roll < 0.05) online.set(device.id, !online.get(device.id));
        else if (compaction && roll < 0.05 + compaction.rate) await snapshotAndCompact(device, remote, compaction.keepSnapshots);
        else if (roll < 0.3) await sync(device, remote);
        else if (commit(device, Array.from({ length: 1 + Math.floor(rand() * 2) }, () => randomEvent(rand)), made)) made++;
        if (rand() < 0.5) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 3)));
      }
    }),
  );
  // Everyone back online, no faults: sync until nobody has anything left and nothing new arrives.
  for (const device of all) online.set(device.id, true);
  for (let round = 0; round < 3; round++) for (const device of all) expect(await sync(device, archive.remote)).toBe(true);
  return { all, log: await readArchivedLog(archive), archive };
}


/** Sync invariants (a)–(e) over the devices and the log they share; `at` names the run in failures. */
export function checkInvariants(all: Device[], log: Awaited<ReturnType<typeof readLog>>, at: string): void {
    // (a) every device converges on the same state, which is the log replayed from the start
    const replayed = log.reduce((state, c) => applyEvents(def, state, c.events), def.initial());
    for (const device of all) {
      expect(device.log.pending, at).toEqual([]);
      expect(hashState(device.log.state), `${at}, ${device.id}`).toBe(hashState(replayed));
    }
    const inLog = log.map((c) => c.origin);
    // (c) no commit applied twice
    expect(new Set(inLog).size, at).toBe(inLog.length);
    for (const device of all) {
      // (b) every acknowledged commit is in the log or was reported rejected, never both
      for (const origin of device.acked) expect(inLog.includes(origin) !== device.rejected.has(origin), `${at}: ${origin}`).toBe(true);
      // (e) each device's own commits keep their order
      const mine = inLog.filter((o) => o.startsWith(`${device.id}:`)).map((o) => Number(o.split(':')[1]));
      expect(mine.join(' '), `${at}, ${device.id}: its commits in the log`).toBe([...mine].sort((x, y) => x - y).join(' '));
    }
    // (d) the log has no gap (readLog checks) and no fork: each position holds one segment by construction of the keys
    expect(log.map((c) => c.seq), at).toEqual(log.map((_, i) => i + 1));
}
