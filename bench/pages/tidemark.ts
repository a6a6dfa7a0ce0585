// tidemark itself, through its public API: connectStore on the page, a real
// module Worker running serveStore (tidemark.worker.ts), the same ~100-byte
// events as the floor. Every figure is compared with a row of the same run;
// where the comparison is sensitive to when it runs, the floor is measured
// here, in turn with tidemark's repeats (the `floor.*` rows):
//
// - commits: awaited single-event commits (strict, relaxed) and their
//   latency vs one raw transaction per event; bursts of un-awaited commits
//   (group commit) vs raw transactions of 100 events packed in one record;
//   the main thread's share of a commit vs raw transaction() + add();
// - a large state (the largest persist size, 100k items): awaited commits
//   vs the whole-state persist pattern; a checkpoint while commits keep
//   coming: its time vs writing the same state on the page, the longest
//   commit during it, the longest task on the page, the snapshot's size;
// - loads (connectStore → ready): histories of 10k…1M commits as the
//   default checkpoint policy leaves them; states of ~1 MB and ~10 MB vs
//   gunzip + JSON.parse of the same snapshot; a journal with no snapshot,
//   replayed, vs one getAll of that journal.
//
// Databases for the loads are written directly in tidemark's storage format
// (worker/records.ts) with the engine's own codec: going through commit()
// would take hours for a million commits. Each load checks what it got
// (seq, snapshot, commits replayed, state), so a wrong layout fails the run.
import { gunzipSync } from 'fflate';
import {
  connectStore,
  type ClientStore,
  type CommitOptions,
  type EventOf,
  type LoadReport,
  type Reducers,
  type SnapshotInfo,
  type StoreDefinition,
  type StoredEvent,
} from 'tidemark';
import { openDatabase as openTidemarkDatabase, type Database } from '../../worker/database';
import type { JournalRecord, SnapshotRecord } from '../../worker/records';
import { encodeState } from '../../worker/snapshot-codec';
import { decodeRowName } from './decode-floor';
import { stateAtRows } from './state-at';
import {
  type AddedEvent, type BenchContext, type Row, type Suite,
  countLabel, done, latencyRows, makeEvent, makeEvents, median, msRow, openDatabase, rateRow, request, settle,
  sizeLabel,
} from './harness';
import { RAW, STORE as RAW_STORE, addOneByOne } from './raw-idb';
import {
  type BenchStoreConfig, type CountState, type Item, type ItemsState,
  buildTree, countItems, countStore, itemsStore,
} from './tidemark.store';

/** Commits after the newest snapshot in a generated history: the default policy snapshots every 1000 events. */
const HISTORY_SUFFIX = 500;
/** Events between snapshots (the default `everyEvents`) and snapshots kept (the default retention). */
const EVERY_EVENTS = 1000;
const RETENTION = 5;
/** Items in a history's state: commit j sets item j mod 1000, so the state does not grow with the history. */
const HISTORY_ITEMS = 1000;
/** Periodic checkpoints off: the run decides when a snapshot is written. */
const NO_PERIODIC = 1e12;

export const TIDEMARK = {
  floorStrict: 'floor.tx-per-event.strict',
  floorRelaxed: 'floor.tx-per-event.relaxed',
  floorLatencyStrict: 'floor.latency.strict',
  floorLatencyRelaxed: 'floor.latency.relaxed',
  commitStrict: 'tidemark.commit.strict',
  commitRelaxed: 'tidemark.commit.relaxed',
  latencyStrict: 'tidemark.latency.strict',
  latencyRelaxed: 'tidemark.latency.relaxed',
  mainThread: 'tidemark.main-thread.commit',
  burst: 'tidemark.burst',
  burstItems: 'tidemark.burst.items',
  burstMainThread: 'tidemark.main-thread.burst',
  largeRelaxed: 'tidemark.large.commit.relaxed',
  largeStrict: 'tidemark.large.commit.strict',
  largeMainThread: 'tidemark.main-thread.large',
  checkpointMs: 'tidemark.checkpoint.ms',
  checkpointStall: 'tidemark.checkpoint.stall',
  checkpointLongTask: 'tidemark.checkpoint.longtask',
  checkpointRawBytes: 'tidemark.checkpoint.raw-bytes',
  checkpointGzipBytes: 'tidemark.checkpoint.gzip-bytes',
  snapshotWriteFloor: 'floor.snapshot-write',
  loadHistory: (commits: number) => `tidemark.load.history.${countLabel(commits)}`,
  historyFloor: 'floor.history-read',
  loadState: (bytes: number) => `tidemark.load.state.${sizeLabel(bytes).replace(' ', '')}`,
  loadSuffix: (bytes: number) => `tidemark.load.suffix.${sizeLabel(bytes).replace(' ', '')}`,
  stateFloor: (bytes: number) => `floor.snapshot-decode.${sizeLabel(bytes).replace(' ', '')}`,
  replayPacked: 'tidemark.replay.packed',
  replayRecords: 'tidemark.replay.records',
  journalFloorPacked: 'floor.journal-getAll.packed',
  journalFloorRecords: 'floor.journal-getAll.records',
} as const;

export const tidemark: Suite = {
  name: 'tidemark',
  async run(ctx) {
    const longTasks = watchLongTasks();
    try {
      return [
        ...(await commits(ctx)),
        ...(await largeState(ctx, longTasks)),
        ...(await historyLoads(ctx)),
        ...(await stateLoads(ctx)),
        ...(await replay(ctx)),
        ...(await stateAtRows(ctx)),
      ];
    } finally {
      longTasks.stop();
    }
  },
};

// ---------------------------------------------------------------- the worker

export interface Started<S, E> {
  store: ClientStore<S, E>;
  worker: Worker;
  /** new Worker → its module ran (fetched from the Vite dev server, not counted in a load). */
  bootMs: number;
  /** connectStore called → resolved: open, load, hello, the page's JSON.parse of the state. */
  connectMs: number;
}

/**
 * Starts a worker serving `config`, waits until its module has run, then
 * times connectStore: from the call to a store ready on the page.
 */
export async function start<S, R extends Reducers<S>>(
  def: StoreDefinition<S, R>, config: BenchStoreConfig,
): Promise<Started<S, EventOf<R>>> {
  const t0 = performance.now();
  const worker = new Worker(new URL('./tidemark.worker.ts', import.meta.url), {
    type: 'module', name: JSON.stringify({ ...config, lazy: true }),
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (event: MessageEvent<{ booted?: boolean }>) => {
      if (!event.data?.booted) return;
      stop();
      resolve();
    };
    const onError = (event: ErrorEvent) => {
      stop();
      reject(new Error(`the tidemark bench worker failed to start: ${event.message || 'script error'}`));
    };
    const stop = () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
  const bootMs = performance.now() - t0;
  const t1 = performance.now();
  worker.postMessage({ start: true });
  const store = await connectStore(def, worker, { checkpointOnHide: false });
  return { store, worker, bootMs, connectMs: performance.now() - t1 };
}

/**
 * Ends a worker without `close()`, which would write a last snapshot and so
 * change the database the next load reads.
 */
export function kill(started: { worker: Worker }): void {
  started.worker.terminate();
}

export function itemsConfig(name: string, everyEvents?: number): BenchStoreConfig {
  return everyEvents === undefined ? { name, reducer: 'items' } : { name, reducer: 'items', everyEvents };
}

// ---------------------------------------------------------------- commits

interface Timed {
  /** commit() called → its promise resolved (durable). */
  latency: number;
  /** commit() called → the microtask that posts it to the worker ran: the main thread's share. */
  mainThread: number;
}

/** One awaited commit, timed. */
async function timedCommit(
  store: ClientStore<ItemsState, AddedEvent>, event: AddedEvent, options: CommitOptions,
): Promise<Timed> {
  const t0 = performance.now();
  const committed = store.commitWith(options, event);
  // The outbox posts in a microtask queued by commitWith, which runs before this one.
  await null;
  const t1 = performance.now();
  await committed;
  return { latency: performance.now() - t0, mainThread: t1 - t0 };
}

async function commits(ctx: BenchContext): Promise<Row[]> {
  const { awaited, burst } = ctx.sizes.tidemark;
  const name = ctx.dbName('tidemark-commits');
  const started = await start(itemsStore(itemsConfig(name)), itemsConfig(name));
  const { store } = started;
  ctx.log(`tidemark: ${awaited.repeats} × ${awaited.commits} awaited commits, strict and relaxed`);
  let next = 0;
  for (; next < 20; next++) await store.commit(makeEvent(next)); // warm up both sides

  // The floor, run between tidemark's repeats: one raw transaction per event, on the page.
  const rawName = ctx.dbName('tidemark-paired-floor');
  const rawDb = await openDatabase(rawName, [RAW_STORE]);
  await addOneByOne(rawDb, 0, 20, 'relaxed'); // warm up
  let rawNext = 20;
  const floorRates: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const floorLatencies: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };

  const rates: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const latencies: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const mainThread: number[] = []; // per repeat: the median of its commits
  for (let r = 0; r < awaited.repeats; r++) {
    for (const durability of ['strict', 'relaxed'] as const) {
      await settle();
      const f0 = performance.now();
      await addOneByOne(rawDb, rawNext, awaited.commits, durability, floorLatencies[durability]);
      floorRates[durability].push((awaited.commits / (performance.now() - f0)) * 1000);
      rawNext += awaited.commits;
      await settle();
      const calls: number[] = [];
      const t0 = performance.now();
      for (let k = 0; k < awaited.commits; k++) {
        const timed = await timedCommit(store, makeEvent(next++), { durability });
        latencies[durability].push(timed.latency);
        calls.push(timed.mainThread);
      }
      rates[durability].push((awaited.commits / (performance.now() - t0)) * 1000);
      mainThread.push(median(calls));
    }
  }
  rawDb.close();
  await ctx.dropDatabase(rawName);

  ctx.log(`tidemark: ${burst.repeats} bursts of ${countLabel(burst.commits)} un-awaited commits, items reducer`);
  const itemsBurst = await bursts(store, next, burst);
  next += burst.commits * burst.repeats;
  const items = countItems(store.getState().items);
  if (items !== next) throw new Error(`tidemark: the state holds ${items} items after ${next} commits`);
  await store.close();
  kill(started);
  await ctx.dropDatabase(name);

  // The same bursts with a reducer that only counts: what tidemark itself costs.
  ctx.log(`tidemark: ${burst.repeats} bursts of ${countLabel(burst.commits)} un-awaited commits, counting reducer`);
  const countName = ctx.dbName('tidemark-bursts');
  const countConfig: BenchStoreConfig = { name: countName, reducer: 'count' };
  const counting = await start(countStore(countConfig), countConfig);
  for (let k = 0; k < 20; k++) await counting.store.commit(makeEvent(k));
  const countBurst = await bursts(counting.store, 20, burst);
  if (counting.store.getState().count !== 20 + burst.commits * burst.repeats) throw new Error('tidemark: the bursts lost commits');
  await counting.store.close();
  kill(counting);
  await ctx.dropDatabase(countName);

  const policy = 'default checkpoint policy (a snapshot every 1000 events, at most every 10 s), as an app has it';
  const common = { group: 'tidemark', n: awaited.commits, chart: true } as const;
  const paired = 'the same as raw.tx-per-event, in repeats taken in turn with tidemark\'s below, so both see the same ' +
    'machine and the same IndexedDB backing store';
  return [
    rateRow({ group: 'floor', n: awaited.commits, name: TIDEMARK.floorStrict, note: paired,
      label: 'raw IDB: 1 tx per event, awaited (strict), beside tidemark' }, floorRates.strict),
    rateRow({ group: 'floor', n: awaited.commits, name: TIDEMARK.floorRelaxed,
      label: 'raw IDB: 1 tx per event, awaited (relaxed), beside tidemark' }, floorRates.relaxed),
    ...latencyRows({ name: TIDEMARK.floorLatencyStrict, group: 'floor',
      label: 'raw IDB: latency of 1 tx per event (strict), beside tidemark' }, floorLatencies.strict),
    ...latencyRows({ name: TIDEMARK.floorLatencyRelaxed, group: 'floor',
      label: 'raw IDB: latency of 1 tx per event (relaxed), beside tidemark' }, floorLatencies.relaxed),
    rateRow({ ...common, name: TIDEMARK.commitStrict, label: 'tidemark: commit() awaited (strict)',
      ref: TIDEMARK.floorStrict, note: `one event per commit, each awaited; ${policy}` }, rates.strict),
    rateRow({ ...common, name: TIDEMARK.commitRelaxed, label: 'tidemark: commit() awaited (relaxed)',
      ref: TIDEMARK.floorRelaxed }, rates.relaxed),
    ...latencyRows({ name: TIDEMARK.latencyStrict, label: 'tidemark: commit → durable (strict)', group: 'tidemark',
      ref: TIDEMARK.floorLatencyStrict }, latencies.strict),
    ...latencyRows({ name: TIDEMARK.latencyRelaxed, label: 'tidemark: commit → durable (relaxed)', group: 'tidemark',
      ref: TIDEMARK.floorLatencyRelaxed }, latencies.relaxed),
    msRow({ name: TIDEMARK.mainThread, label: 'tidemark: main-thread time of 1 commit() on the page',
      group: 'tidemark', n: awaited.commits * 2, ref: RAW.mainThreadAdd,
      note: 'performance.now() around commit() and the microtask that posts it: validation, the optimistic ' +
        'apply, the message to the worker; median per repeat' }, mainThread),
    rateRow({ group: 'tidemark', chart: true, name: TIDEMARK.burst, n: burst.commits,
      label: `tidemark: burst of ${countLabel(burst.commits)} un-awaited commits`, ref: RAW.packedPerTx,
      note: `${countLabel(burst.commits)} commit() calls in one task, then Promise.all: one message to the worker, one ` +
        'transaction (strict), one record, every commit confirmed on the page. A reducer that only counts, so this ' +
        `is tidemark's own cost; ${policy}` }, countBurst.rates),
    rateRow({ group: 'tidemark', name: TIDEMARK.burstItems, n: burst.commits,
      label: `tidemark: burst of ${countLabel(burst.commits)} commits, todo-items reducer`, ref: RAW.packedPerTx,
      note: `as above with the items reducer (tidemark.store.ts), ${countLabel(median(itemsBurst.before))} items before: ` +
        `it runs on the page (optimistic) and in the worker, ${median(itemsBurst.mainThread).toFixed(3)} ms per commit ` +
        'on the page' }, itemsBurst.rates),
    msRow({ name: TIDEMARK.burstMainThread, label: 'tidemark: main-thread time per commit() in a burst',
      group: 'tidemark', n: burst.commits, ref: RAW.mainThreadAdd,
      note: 'the burst\'s commit() calls and its one postMessage, divided by the commits (counting reducer)' },
    countBurst.mainThread),
  ];
}

/** Bursts of un-awaited commits made in one task, each awaited as a whole. */
async function bursts(
  store: ClientStore<{ items: ItemsState['items'] } | CountState, AddedEvent>, from: number,
  { commits, repeats }: { commits: number; repeats: number },
): Promise<{ rates: number[]; mainThread: number[]; before: number[] }> {
  const rates: number[] = [];
  const mainThread: number[] = [];
  const before: number[] = [];
  let next = from;
  for (let r = 0; r < repeats; r++) {
    // A periodic checkpoint the last burst set off is finished before the next one starts.
    await store.checkpoint();
    await settle();
    const events = makeEvents(next, commits);
    next += commits;
    const state = store.getState();
    before.push('items' in state ? countItems(state.items) : state.count);
    const t0 = performance.now();
    const pending = events.map((event) => store.commit(event));
    await null; // the one message that carries them all
    const t1 = performance.now();
    await Promise.all(pending);
    rates.push((commits / (performance.now() - t0)) * 1000);
    mainThread.push((t1 - t0) / commits);
  }
  return { rates, mainThread, before };
}

// ---------------------------------------------------------------- large state

/** Long tasks on the page, as PerformanceObserver reports them (≥ 50 ms). */
export interface LongTasks {
  /** The longest task overlapping [from, to], in ms; 0 when none was reported. */
  longestIn(from: number, to: number): Promise<number>;
  stop(): void;
}

export function watchLongTasks(): LongTasks {
  const entries: PerformanceEntry[] = [];
  const supported = PerformanceObserver.supportedEntryTypes.includes('longtask');
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  if (supported) observer.observe({ type: 'longtask', buffered: true });
  return {
    async longestIn(from, to) {
      if (!supported) throw new Error('this browser does not report longtask entries');
      await new Promise((resolve) => setTimeout(resolve, 50)); // entries arrive after the task
      entries.push(...observer.takeRecords());
      return Math.max(0, ...entries
        .filter((e) => e.startTime < to && e.startTime + e.duration > from)
        .map((e) => e.duration));
    },
    stop: () => observer.disconnect(),
  };
}

async function largeState(ctx: BenchContext, longTasks: LongTasks): Promise<Row[]> {
  const { commits: perRepeat, repeats, checkpoints } = ctx.sizes.tidemark.large;
  const items = Math.max(...ctx.sizes.persist.items);
  const itemsLabel = countLabel(items);
  const name = ctx.dbName('tidemark-large');
  const config = itemsConfig(name, NO_PERIODIC);
  const times = checkpoints === 1 ? 'one checkpoint' : `${checkpoints} checkpoints`;
  ctx.log(`tidemark: a state of ${itemsLabel} items: awaited commits, then ${times} under load`);
  await writeStateDatabase(name, makeEvents(0, items).map((e, i) => [e.id, { text: e.text, done: i % 3 === 0 }]));
  const started = await start(itemsStore(config), config);
  const { store } = started;
  let next = items;
  for (let k = 0; k < 10; k++) await store.commit(makeEvent(next++));

  // Per change, as the persist rows count it: each commit's own rate (1000 / its ms), median of all.
  const rates: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const mainThread: number[] = [];
  for (let r = 0; r < repeats; r++) {
    for (const durability of ['relaxed', 'strict'] as const) {
      const calls: number[] = [];
      for (let k = 0; k < perRepeat; k++) {
        const timed = await timedCommit(store, makeEvent(next++), { durability });
        rates[durability].push(1000 / timed.latency);
        calls.push(timed.mainThread);
      }
      mainThread.push(median(calls));
    }
  }

  // Checkpoints while awaited (strict) commits keep coming, one after another.
  const checkpointMs: number[] = [];
  const stalls: number[] = [];
  const steady: number[] = [];
  const longest: number[] = [];
  const during: number[] = [];
  let info: SnapshotInfo | null = null;
  for (let c = 0; c < checkpoints; c++) {
    await settle();
    const spans: Array<{ start: number; end: number }> = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const t = performance.now();
        await store.commit(makeEvent(next++));
        spans.push({ start: t, end: performance.now() });
      }
    })();
    await sleep(ctx.quick ? 20 : 300);
    // The steady latency needs a commit that ended before the checkpoint: on a busy machine 20 ms may see none.
    while (spans.length === 0) await sleep(5);
    const from = performance.now();
    info = await store.checkpoint();
    const to = performance.now();
    await sleep(ctx.quick ? 20 : 100);
    streaming = false;
    await stream;
    if (!info || info.kind !== 'manual') throw new Error('tidemark: checkpoint() wrote no snapshot');
    checkpointMs.push(to - from);
    const overlapping = spans.filter((s) => s.start < to && s.end > from);
    stalls.push(Math.max(...overlapping.map((s) => s.end - s.start)));
    during.push(overlapping.length);
    steady.push(median(spans.filter((s) => s.end < from).map((s) => s.end - s.start)));
    longest.push(await longTasks.longestIn(from, to));
  }
  const state = store.getConfirmedState();
  await store.close();
  kill(started);
  await ctx.dropDatabase(name);

  // The floor of a snapshot: the same state written on the page, no worker, no slices, no hash.
  const floorName = ctx.dbName('tidemark-snapshot-floor');
  const floorDb = await openDatabase(floorName, ['snapshots']);
  const floorMs: number[] = [];
  for (let c = 0; c < Math.max(checkpoints, 3); c++) {
    await settle();
    const t0 = performance.now();
    // The fastest gzip the page has, as the checkpoint uses: the platform's, native.
    const raw = new TextEncoder().encode(JSON.stringify(state));
    const bytes = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    const tx = floorDb.transaction('snapshots', 'readwrite', { durability: 'strict' });
    tx.objectStore('snapshots').put(bytes, 1);
    await done(tx);
    floorMs.push(performance.now() - t0);
  }
  floorDb.close();
  await ctx.dropDatabase(floorName);

  const snapshot = info!;
  const persistRef = `persist.json.${itemsLabel}`;
  const amortized = median(checkpointMs) / EVERY_EVENTS;
  const perChangeNote = (durability: 'strict' | 'relaxed') =>
    `${(1000 / median(rates[durability])).toFixed(2)} ms per awaited commit (median, as the persist rows) at ${itemsLabel} items ` +
    `(${sizeLabel(snapshot.rawBytes)} JSON); the default policy adds one checkpoint per ${EVERY_EVENTS} events, ` +
    `~${amortized.toFixed(2)} ms per change amortised, off the page's main thread`;
  const ms = (values: number[]) => `${median(values).toFixed(1)} ms`;
  return [
    rateRow({ group: 'tidemark', chart: true, n: perRepeat * repeats, name: TIDEMARK.largeRelaxed, ref: persistRef,
      label: `tidemark: commit() awaited, ${itemsLabel}-item state (relaxed)`, note: perChangeNote('relaxed') },
    rates.relaxed),
    rateRow({ group: 'tidemark', n: perRepeat * repeats, name: TIDEMARK.largeStrict, ref: persistRef,
      label: `tidemark: commit() awaited, ${itemsLabel}-item state (strict)`, note: perChangeNote('strict') },
    rates.strict),
    msRow({ name: TIDEMARK.largeMainThread, label: `tidemark: main-thread time of 1 commit(), ${itemsLabel}-item state`,
      group: 'tidemark', n: perRepeat * 2, ref: RAW.mainThreadAdd,
      note: 'the reducer copies ~70 keys of a 16×16×16 tree of items (tidemark.store.ts)' }, mainThread),
    msRow({ name: TIDEMARK.snapshotWriteFloor, label: `write a ${itemsLabel}-item state on the page: stringify + gzip + put`,
      group: 'floor', n: 1, bytes: snapshot.rawBytes,
      note: 'the state tidemark checkpoints below, JSON.stringify + the platform\'s gzip (CompressionStream) in one go + put, strict' },
    floorMs),
    msRow({ name: TIDEMARK.checkpointMs, label: `tidemark: checkpoint() of a ${itemsLabel}-item state`,
      group: 'tidemark', n: 1, bytes: snapshot.rawBytes, ref: TIDEMARK.snapshotWriteFloor,
      note: `in the worker, while awaited commits keep coming (${median(during)} during it): ` +
        'written in parts (json-parts.ts): stringify, hash and gzip (CompressionStream) a piece at a time with a yield every 8 ms, one strict transaction' }, checkpointMs),
    msRow({ name: TIDEMARK.checkpointStall, label: 'tidemark: longest commit during a checkpoint',
      group: 'tidemark', n: median(during), ref: `${RAW.latencyStrict}.p99`,
      note: `awaited strict commits; ${ms(steady)} each before the checkpoint started` }, stalls),
    msRow({ name: TIDEMARK.checkpointLongTask, label: 'tidemark: longest page task during a checkpoint',
      group: 'tidemark', n: 1,
      note: 'PerformanceObserver longtask entries (≥ 50 ms) overlapping the checkpoint; 0 = none. Target: 0' }, longest),
    { name: TIDEMARK.checkpointRawBytes, label: `tidemark: snapshot of ${itemsLabel} items, JSON`, group: 'tidemark',
      unit: 'bytes', value: snapshot.rawBytes, n: 1 },
    { name: TIDEMARK.checkpointGzipBytes, label: `tidemark: snapshot of ${itemsLabel} items, gzip`, group: 'tidemark',
      unit: 'bytes', value: snapshot.bytes, n: 1, ref: TIDEMARK.checkpointRawBytes,
      note: 'as stored: JSON gzipped by the platform (CompressionStream)' },
  ];
}

// ---------------------------------------------------------------- loads

/** Opens a tidemark database (creating it) for writing records directly, and closes it. */
export async function withDatabase(name: string, write: (db: Database) => Promise<void>): Promise<void> {
  const db = await openTidemarkDatabase(name, indexedDB, () => db.close());
  try {
    await write(db);
  } finally {
    db.close();
  }
}

export async function putAll<K extends 'journal' | 'snapshots'>(
  db: Database, store: K, records: Array<K extends 'journal' ? JournalRecord : SnapshotRecord>,
): Promise<void> {
  const chunk = 5_000;
  for (let from = 0; from < records.length; from += chunk) {
    const tx = db.transaction(store, 'readwrite', { durability: 'relaxed' });
    const puts = records.slice(from, from + chunk).map((record) => tx.store.put(record as never));
    await Promise.all([...puts, tx.done]);
  }
}

/** A journal record as writeBatch writes it: commits `first`… each of one event. */
export function journalRecord(first: number, events: StoredEvent[], at: (seq: number) => number): JournalRecord {
  return {
    seq: first,
    last: first + events.length - 1,
    version: 1,
    commits: events.map((event, k) => ({ seq: first + k, at: at(first + k), events: [event], origin: `bench.1:${first + k}` })),
  };
}

async function snapshotRecord(seq: number, at: number, state: unknown): Promise<SnapshotRecord> {
  return { seq, at, kind: 'periodic', version: 1, codec: 'json+gzip', ...(await encodeState(state)) };
}

const stored = (event: AddedEvent): StoredEvent => ({ ...event });

/**
 * A state of these items, as a snapshot at seq = items (one commit per item)
 * plus the newest journal record, which the engine never trims.
 */
export async function writeStateDatabase(
  name: string, items: Array<[string, Item]>, suffix = 0,
): Promise<{ seq: number; snapshotSeq: number; rawBytes: number; bytes: Uint8Array }> {
  const snapshotSeq = items.length;
  const at = Date.now() - 60_000;
  const snapshot = await snapshotRecord(snapshotSeq, at, { items: buildTree(items) } satisfies ItemsState);
  const [id, item] = items[snapshotSeq - 1]!;
  const records = [journalRecord(snapshotSeq, [{ type: 'added', id, text: item.text }], () => at)];
  // A suffix: commits after the snapshot, each the bench event on an item already there.
  for (let k = 1; k <= suffix; k++) {
    records.push(journalRecord(snapshotSeq + k, [{ type: 'added', id: items[(k * 7919) % snapshotSeq]![0], text: makeEvent(k).text }], () => at));
  }
  await withDatabase(name, async (db) => {
    await putAll(db, 'snapshots', [snapshot]);
    await putAll(db, 'journal', records);
  });
  return { seq: snapshotSeq + suffix, snapshotSeq, rawBytes: snapshot.rawBytes, bytes: snapshot.bytes };
}

/** Commit j of a history: the bench event j, on item j mod HISTORY_ITEMS (same 100 bytes). */
function historyEvent(j: number): StoredEvent {
  return { type: 'added', id: makeEvent(j % HISTORY_ITEMS).id, text: makeEvent(j).text };
}

/** The state after history commits 1…s, keys in the order the reducer would have made them. */
function historyState(s: number): ItemsState {
  const entries: Array<[string, Item]> = [];
  for (let first = 1; first <= Math.min(HISTORY_ITEMS, s); first++) {
    const last = first + HISTORY_ITEMS * Math.floor((s - first) / HISTORY_ITEMS);
    entries.push([makeEvent(first % HISTORY_ITEMS).id, { text: makeEvent(last).text, done: false }]);
  }
  return { items: buildTree(entries) };
}

/**
 * What `commits` awaited single-event commits leave under the default
 * policy: a snapshot every 1000 events, the newest HISTORY_SUFFIX commits
 * behind the head, 5 kept, the journal trimmed behind the oldest kept, one
 * commit per record. Commits are 1 s apart.
 */
async function writeHistoryDatabase(name: string, commits: number): Promise<{ newest: number; records: number }> {
  const newest = commits - HISTORY_SUFFIX;
  const seqs: number[] = [];
  for (let k = RETENTION - 1; k >= 0; k--) if (newest - k * EVERY_EVENTS >= EVERY_EVENTS) seqs.push(newest - k * EVERY_EVENTS);
  const end = Date.now() - 60_000;
  const at = (seq: number) => end - (commits - seq) * 1000;
  const snapshots = await Promise.all(seqs.map((seq) => snapshotRecord(seq, at(seq), historyState(seq))));
  const records: JournalRecord[] = [];
  for (let seq = seqs[0]! + 1; seq <= commits; seq++) records.push(journalRecord(seq, [historyEvent(seq)], at));
  await withDatabase(name, async (db) => {
    await putAll(db, 'snapshots', snapshots);
    await putAll(db, 'journal', records);
  });
  return { newest, records: records.length };
}

function checkLoad(what: string, report: LoadReport, seq: number, expected: { seq: number; snapshotSeq: number; replayed: number }) {
  const got = { seq, snapshotSeq: report.snapshotSeq, replayed: report.commitsReplayed };
  if (got.seq !== expected.seq || got.snapshotSeq !== expected.snapshotSeq || got.replayed !== expected.replayed || report.fellBack) {
    throw new Error(`tidemark: load of ${what} gave ${JSON.stringify({ ...got, fellBack: report.fellBack })}, ` +
      `expected ${JSON.stringify(expected)}`);
  }
}

async function historyLoads(ctx: BenchContext): Promise<Row[]> {
  const { commits: lengths, repeats } = ctx.sizes.tidemark.history;
  const dbs = [];
  for (const commits of lengths) {
    const name = ctx.dbName(`tidemark-history-${countLabel(commits)}`);
    ctx.log(`tidemark: writing a history of ${countLabel(commits)} commits as the default policy leaves it`);
    dbs.push({ commits, name, ...(await writeHistoryDatabase(name, commits)), ms: [] as number[], worker: [] as number[] });
  }
  const def = (name: string) => itemsStore(itemsConfig(name));
  ctx.log(`tidemark: ${repeats} × loading each history`);
  if (!ctx.quick) for (const db of dbs) kill(await start(def(db.name), itemsConfig(db.name))); // warm up
  // The floor of such a load: the same reads and decode on the page, no worker, nothing replayed.
  const first = dbs[0]!;
  const raw = await request(indexedDB.open(first.name));
  const floorMs: number[] = [];
  let state = '';
  for (let r = 0; r < repeats; r++) {
    await settle();
    floorMs.push(await readHistory(raw, first.newest));
    for (const db of dbs) {
      await settle();
      const started = await start(def(db.name), itemsConfig(db.name));
      checkLoad(`a history of ${db.commits}`, started.store.loadReport, started.store.confirmedSeq,
        { seq: db.commits, snapshotSeq: db.newest, replayed: HISTORY_SUFFIX });
      db.ms.push(started.connectMs);
      db.worker.push(started.store.loadReport.ms);
      state ||= sizeLabel(JSON.stringify(started.store.getState()).length);
      kill(started);
    }
  }
  raw.close();
  for (const db of dbs) await ctx.dropDatabase(db.name);

  return [msRow({
    name: TIDEMARK.historyFloor, label: `read what a load after ${countLabel(first.commits)} commits reads, on the page`,
    group: 'floor', n: 1,
    note: `get + gunzip + JSON.parse of the newest snapshot, getAll of the ${HISTORY_SUFFIX} journal records after it; ` +
      'one readonly transaction on an open database, nothing applied',
  }, floorMs), ...dbs.map((db) => msRow({
    name: TIDEMARK.loadHistory(db.commits), label: `tidemark: load after ${countLabel(db.commits)} commits`,
    group: 'tidemark', n: 1, ref: db === first ? TIDEMARK.historyFloor : TIDEMARK.loadHistory(first.commits),
    note: `connectStore → ready; ${RETENTION} snapshots of a ${HISTORY_ITEMS}-item state (${state} JSON), ` +
      `${db.records} journal records, ${HISTORY_SUFFIX} commits replayed; the worker's own load ` +
      `${median(db.worker).toFixed(0)} ms. Written directly in the storage format as the default policy leaves it`,
  }, db.ms))];
}

/** ms to read the newest snapshot (decoded) and the journal after it, in one transaction. */
async function readHistory(db: IDBDatabase, newest: number): Promise<number> {
  const t0 = performance.now();
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const [snapshot, suffix] = await Promise.all([
    request(tx.objectStore('snapshots').get(newest)) as Promise<SnapshotRecord>,
    request(tx.objectStore('journal').getAll(IDBKeyRange.lowerBound(newest + 1))) as Promise<JournalRecord[]>,
  ]);
  JSON.parse(new TextDecoder().decode(gunzipSync(snapshot.bytes)));
  const ms = performance.now() - t0;
  if (suffix.length !== HISTORY_SUFFIX) throw new Error(`tidemark: ${suffix.length} records after the newest snapshot`);
  return ms;
}

async function stateLoads(ctx: BenchContext): Promise<Row[]> {
  const { bytes: sizes, repeats } = ctx.sizes.states;
  const rows: Row[] = [];
  // Each size loaded from its snapshot alone; the largest also with HISTORY_SUFFIX commits after it (no target).
  const loads = [...sizes.map((target, k) => ({ target, k, suffix: 0 })), { target: sizes[sizes.length - 1]!, k: sizes.length - 1, suffix: HISTORY_SUFFIX }];
  for (const { target, k, suffix } of loads) {
    const name = ctx.dbName(`tidemark-state-${sizeLabel(target)}-${suffix}`);
    const flat = Object.entries(makeStateItems(target));
    const { seq, snapshotSeq, rawBytes, bytes } = await writeStateDatabase(name, flat, suffix);
    // At least 7 loads: a ratio of two medians of 5 noisy samples moves by a third from run to run.
    const count = ctx.quick ? 1 : Math.max(repeats[k] ?? 3, 7);
    ctx.log(`tidemark: ${count} × loading a ${sizeLabel(target)} state${suffix ? ` and ${suffix} commits after it` : ''}`);
    const def = itemsStore(itemsConfig(name));
    if (!ctx.quick) kill(await start(def, itemsConfig(name))); // warm up
    const decoder = new TextDecoder();
    JSON.parse(decoder.decode(gunzipSync(bytes))); // warm up
    const ms: number[] = [];
    const floor: number[] = [];
    const worker: number[] = [];
    const boot: number[] = [];
    for (let r = 0; r < count; r++) {
      // The floor, taken in turn with the loads: the same snapshot bytes decoded on the page.
      await settle();
      const f0 = performance.now();
      JSON.parse(decoder.decode(gunzipSync(bytes)));
      floor.push(performance.now() - f0);
      await settle();
      const started = await start(def, itemsConfig(name));
      checkLoad(`a ${sizeLabel(target)} state`, started.store.loadReport, started.store.confirmedSeq, { seq, snapshotSeq, replayed: suffix });
      if (countItems(started.store.getState().items) !== flat.length) throw new Error('tidemark: the loaded state lost items');
      ms.push(started.connectMs);
      worker.push(started.store.loadReport.ms);
      boot.push(started.bootMs);
      kill(started);
    }
    await ctx.dropDatabase(name);
    if (suffix > 0) {
      rows.push(msRow({
        name: TIDEMARK.loadSuffix(target), label: `tidemark: load a ${sizeLabel(target)} state + ${suffix} commits`, group: 'tidemark',
        n: 1, bytes: rawBytes, ref: TIDEMARK.stateFloor(target),
        note: `no target: as ${TIDEMARK.loadState(target)}, with ${suffix} commits of the bench event after the snapshot, which the ` +
          `page applies to the draft while the worker checks the snapshot (its load: ${median(worker).toFixed(0)} ms); the worker replays them after answering`,
      }, ms));
      continue;
    }
    rows.push(msRow({
      name: TIDEMARK.stateFloor(target), label: `decode the same ${sizeLabel(target)} snapshot: gunzip + JSON.parse`,
      group: 'floor', n: 1, bytes: rawBytes,
      note: `fflate gunzip + TextDecoder + JSON.parse on the page, of the snapshot bytes tidemark loads below ` +
        `(${sizeLabel(bytes.length)} gzip), in turn with those loads; ${decodeRowName(target)} is the same for makeState()`,
    }, floor));
    rows.push(msRow({
      name: TIDEMARK.loadState(target), label: `tidemark: load a ${sizeLabel(target)} state`, group: 'tidemark',
      n: 1, bytes: rawBytes, ref: TIDEMARK.stateFloor(target),
      note: `connectStore → ready: the worker opens the database, reads the snapshot, gunzips it, sends the page its JSON ` +
        `as a draft, which the page parses while the worker checks the hash (its load: ${median(worker).toFixed(0)} ms) and ` +
        `parses its own copy. ${sizeLabel(rawBytes)} JSON: makeState()'s items, in a tree. Worker module boot, not counted: ` +
        `${median(boot).toFixed(0)} ms (Vite dev server)`,
    }, ms));
  }
  return rows;
}

/** The items of the decode floor's `makeState(bytes)`, without importing its state. */
export function makeStateItems(bytes: number): Record<string, Item> {
  const items: Record<string, Item> = {};
  let i = 0;
  for (let approx = 12; approx < bytes; approx += 94, i++) {
    const e = makeEvent(i);
    items[e.id] = { text: e.text, done: i % 3 === 0 };
  }
  return items;
}

async function replay(ctx: BenchContext): Promise<Row[]> {
  const commits = ctx.sizes.readBack.events;
  const per = ctx.sizes.batched.eventsPerTransaction;
  const { repeats } = ctx.sizes.tidemark.replay;
  const layouts = [
    { name: TIDEMARK.replayPacked, floor: TIDEMARK.journalFloorPacked, per, raw: RAW.getAllPacked },
    { name: TIDEMARK.replayRecords, floor: TIDEMARK.journalFloorRecords, per: 1, raw: RAW.getAllRecords },
  ];
  const rows: Row[] = [];
  for (const layout of layouts) {
    const name = ctx.dbName(`tidemark-replay-${layout.per}`);
    const config: BenchStoreConfig = { name, reducer: 'count', everyEvents: NO_PERIODIC };
    ctx.log(`tidemark: ${repeats} × replaying ${countLabel(commits)} commits in records of ${layout.per}`);
    const at = Date.now() - 60_000;
    const records: JournalRecord[] = [];
    for (let first = 1; first <= commits; first += layout.per) {
      records.push(journalRecord(first, makeEvents(first - 1, Math.min(layout.per, commits - first + 1)).map(stored), () => at));
    }
    await withDatabase(name, (db) => putAll(db, 'journal', records));
    const recordBytes = JSON.stringify(records[0]).length;
    records.length = 0;
    const def = countStore(config);
    if (!ctx.quick) kill(await start(def, config)); // warm up
    const raw = await request(indexedDB.open(name));
    const rates: number[] = [];
    const floorRates: number[] = [];
    const worker: number[] = [];
    for (let r = 0; r < repeats; r++) {
      // The floor: the same journal read back with one getAll on the page.
      await settle();
      const t0 = performance.now();
      const read = (await request(raw.transaction('journal').objectStore('journal').getAll())) as JournalRecord[];
      floorRates.push((commits / (performance.now() - t0)) * 1000);
      if (read.length !== Math.ceil(commits / layout.per)) throw new Error(`tidemark: the journal holds ${read.length} records`);
      await settle();
      const started = await start(def, config);
      checkLoad(`${commits} commits`, started.store.loadReport, started.store.confirmedSeq,
        { seq: commits, snapshotSeq: 0, replayed: commits });
      if (started.store.getState().count !== commits) throw new Error('tidemark: the replay lost commits');
      rates.push((commits / started.connectMs) * 1000);
      worker.push(started.store.loadReport.ms);
      kill(started);
    }
    raw.close();
    await ctx.dropDatabase(name);
    const records$ = `${countLabel(Math.ceil(commits / layout.per))} records of ${layout.per} commit${layout.per === 1 ? '' : 's'}`;
    rows.push(rateRow({
      name: layout.floor, group: 'floor', n: commits,
      label: `raw IDB: getAll of a tidemark journal, ${layout.per} per record`,
      note: `one getAll() on the page of the journal replayed below (${records$}, ~${sizeLabel(recordBytes)} each as JSON); ` +
        `${layout.raw} reads as many records of bare events`,
    }, floorRates));
    rows.push(rateRow({
      name: layout.name, group: 'tidemark', n: commits, ref: layout.floor,
      label: `tidemark: load replaying ${countLabel(commits)} commits, ${layout.per} per record`,
      note: 'commits per second of connectStore → ready: no snapshot, the whole journal replayed with a reducer that ' +
        `only counts; the worker's own load ${median(worker).toFixed(0)} ms (getAll in batches of 500 records, apply). ` +
        'Journal written directly in the storage format',
    }, rates));
  }
  return rows;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
