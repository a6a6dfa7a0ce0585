// The floor: raw IndexedDB with the same ~100-byte events, no library.
// Whatever tidemark does per commit, these are the costs it cannot go under.
import {
  type BenchContext, type Row, type Suite,
  countLabel, done, latencyRows, makeEvent, makeEvents, median, msRow, openDatabase, rateRow, request,
  settle, time,
} from './harness';

/** Row names other suites use as `ref`. */
export const RAW = {
  perEventStrict: 'raw.tx-per-event.strict',
  perEventRelaxed: 'raw.tx-per-event.relaxed',
  /** With `latencyRows`: `.p50` and `.p99` of each single-event transaction, in ms. */
  latencyStrict: 'raw.latency.strict',
  latencyRelaxed: 'raw.latency.relaxed',
  recordsPerTx: 'raw.records-per-tx',
  packedPerTx: 'raw.packed-per-tx',
  getAllRecords: 'raw.getAll.records',
  getAllPacked: 'raw.getAll.packed',
  /** Main-thread time of `transaction()` + `add()` of one event, the part of a write the page waits for. */
  mainThreadAdd: 'raw.main-thread.add',
} as const;

/** The object store of the per-event floor (out-of-line, auto-increment keys). */
export const STORE = 'events';

export const rawIdb: Suite = {
  name: 'raw-idb',
  async run(ctx) {
    return [...(await perEvent(ctx)), ...(await batched(ctx)), ...(await readBack(ctx))];
  },
};

/**
 * `count` readwrite transactions of one `add` each, each awaited before the
 * next; pushes each one's latency (transaction opened → complete) to
 * `latencies`, and the time the calls themselves take (the main thread's
 * share: transaction() + add(), which clones the event) to `mainThread`.
 */
export async function addOneByOne(
  db: IDBDatabase, from: number, count: number, durability: IDBTransactionDurability, latencies: number[] = [],
  mainThread: number[] = [],
) {
  for (let i = from; i < from + count; i++) {
    const event = makeEvent(i);
    const start = performance.now();
    const tx = db.transaction(STORE, 'readwrite', { durability });
    tx.objectStore(STORE).add(event);
    mainThread.push(performance.now() - start);
    await done(tx);
    latencies.push(performance.now() - start);
  }
}

async function perEvent(ctx: BenchContext): Promise<Row[]> {
  const { events, repeats } = ctx.sizes.perEvent;
  const name = ctx.dbName('raw-per-event');
  const db = await openDatabase(name, [STORE]);
  const rates: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const latencies: Record<'strict' | 'relaxed', number[]> = { strict: [], relaxed: [] };
  const mainThread: number[] = []; // per repeat: the median of its calls
  ctx.log(`raw IndexedDB: ${repeats} × ${events} awaited single-event transactions, strict and relaxed`);
  await addOneByOne(db, 0, 20, 'relaxed'); // warm up: the first transactions open files
  let next = 20;
  // Interleaved, so drift in the machine hits both flags alike.
  for (let r = 0; r < repeats; r++) {
    for (const durability of ['strict', 'relaxed'] as const) {
      const calls: number[] = [];
      const ms = await time(() => addOneByOne(db, next, events, durability, latencies[durability], calls));
      next += events;
      rates[durability].push((events / ms) * 1000);
      mainThread.push(median(calls));
    }
  }
  db.close();
  await ctx.dropDatabase(name);
  const common = { group: 'floor', n: events, chart: true } as const;
  return [
    rateRow({ ...common, name: RAW.perEventStrict,
      label: 'raw IDB: 1 tx per event, awaited (strict)' }, rates.strict),
    rateRow({ ...common, name: RAW.perEventRelaxed,
      label: 'raw IDB: 1 tx per event, awaited (relaxed)' }, rates.relaxed),
    ...latencyRows({ name: RAW.latencyStrict, label: 'raw IDB: latency of 1 tx per event (strict)', group: 'floor' },
      latencies.strict),
    ...latencyRows({ name: RAW.latencyRelaxed, label: 'raw IDB: latency of 1 tx per event (relaxed)', group: 'floor' },
      latencies.relaxed),
    msRow({ name: RAW.mainThreadAdd, label: 'raw IDB: main-thread time of transaction() + add() of 1 event',
      group: 'floor', n: events * 2,
      note: 'performance.now() around the two calls, median per repeat (strict and relaxed runs alike)' }, mainThread),
  ];
}

async function batched(ctx: BenchContext): Promise<Row[]> {
  const { transactions, eventsPerTransaction: per, repeats } = ctx.sizes.batched;
  const total = transactions * per;
  const name = ctx.dbName('raw-batched');
  const db = await openDatabase(name, ['records', 'packed']);
  const records: number[] = [];
  const packed: number[] = [];
  ctx.log(`raw IndexedDB: ${repeats} × ${transactions} transactions of ${per} events, as records and packed`);
  let next = 0;
  for (let r = 0; r < repeats; r++) {
    // Events are made before the clock starts: the floor is IndexedDB's cost only.
    const batches = Array.from({ length: transactions }, (_, t) => makeEvents(next + t * per, per));
    next += total;
    records.push((total / await time(async () => {
      for (const batch of batches) {
        const tx = db.transaction('records', 'readwrite');
        const store = tx.objectStore('records');
        for (const event of batch) store.add(event);
        await done(tx);
      }
    })) * 1000);
    packed.push((total / await time(async () => {
      for (const batch of batches) {
        const tx = db.transaction('packed', 'readwrite');
        tx.objectStore('packed').add(batch);
        await done(tx);
      }
    })) * 1000);
  }
  db.close();
  await ctx.dropDatabase(name);
  const common = { group: 'floor', n: total, chart: true } as const;
  const setup = `${transactions} awaited transactions of ${per} events, default durability (relaxed)`;
  return [
    rateRow({ ...common, name: RAW.recordsPerTx,
      label: `raw IDB: ${per} events per tx, ${per} records`, note: setup }, records),
    rateRow({ ...common, name: RAW.packedPerTx,
      label: `raw IDB: ${per} events per tx, packed in 1 record`, note: setup }, packed),
  ];
}

async function readBack(ctx: BenchContext): Promise<Row[]> {
  const { events, repeats } = ctx.sizes.readBack;
  const per = ctx.sizes.batched.eventsPerTransaction;
  const name = ctx.dbName('raw-read');
  const db = await openDatabase(name, ['records', 'packed']);
  ctx.log(`raw IndexedDB: writing ${countLabel(events)} events (as records and packed) to read back`);
  const chunk = 1_000; // events per setup transaction; not timed
  for (let from = 0; from < events; from += chunk) {
    const batch = makeEvents(from, Math.min(chunk, events - from));
    const tx = db.transaction(['records', 'packed'], 'readwrite');
    const recordStore = tx.objectStore('records');
    for (const event of batch) recordStore.add(event);
    const packedStore = tx.objectStore('packed');
    for (let k = 0; k < batch.length; k += per) packedStore.add(batch.slice(k, k + per));
    await done(tx);
  }
  // Reopen, so the first read is not served from what the writes left in memory.
  db.close();
  const reopened = await openDatabase(name, ['records', 'packed']);
  const recordRates: number[] = [];
  const packedRates: number[] = [];
  ctx.log(`raw IndexedDB: ${repeats} × getAll of ${countLabel(events)} events`);
  for (let r = 0; r < repeats; r++) {
    await settle();
    let got = 0;
    recordRates.push((events / await time(async () => {
      const tx = reopened.transaction('records', 'readonly');
      got = (await request(tx.objectStore('records').getAll())).length;
    })) * 1000);
    if (got !== events) throw new Error(`getAll returned ${got} records, wrote ${events}`);
    await settle();
    packedRates.push((events / await time(async () => {
      const tx = reopened.transaction('packed', 'readonly');
      const rows = await request(tx.objectStore('packed').getAll()) as unknown[][];
      got = rows.reduce((sum, row) => sum + row.length, 0);
    })) * 1000);
    if (got !== events) throw new Error(`packed getAll returned ${got} events, wrote ${events}`);
  }
  reopened.close();
  await ctx.dropDatabase(name);
  const common = { group: 'floor', n: events } as const;
  return [
    rateRow({ ...common, name: RAW.getAllRecords,
      label: `raw IDB: read ${countLabel(events)} events, getAll of records` }, recordRates),
    rateRow({ ...common, name: RAW.getAllPacked,
      label: `raw IDB: read ${countLabel(events)} events, getAll of packed`,
      note: `${Math.ceil(events / per)} records of ${per} events` }, packedRates),
  ];
}
