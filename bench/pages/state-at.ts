// store.stateAt(seq) in the worker: the state at the start of a window of
// 10k commits (the snapshot there, one commit replayed) and at its end (the
// same snapshot, every commit of the window replayed), the longest awaited
// commit while the long one runs (stateAt replays in slices that yield), and
// the floor: the same snapshot and journal read and decoded on the page.
import { gunzipSync } from 'fflate';
import type { StoredEvent } from 'tidemark';
import type { JournalRecord, SnapshotRecord } from '../../worker/records';
import { encodeState } from '../../worker/snapshot-codec';
import { type BenchContext, type Row, countLabel, makeEvent, median, msRow, request, settle } from './harness';
import { journalRecord, kill, putAll, start, withDatabase } from './tidemark';
import { type BenchStoreConfig, type Item, buildTree, countItems, itemsStore } from './tidemark.store';

export const STATE_AT = {
  floor: 'floor.state-at.read',
  start: 'tidemark.state-at.start',
  end: 'tidemark.state-at.end',
  stall: 'tidemark.state-at.stall',
};

/** Items in the state: commit j sets item j mod ITEMS, so the state does not grow with the window. */
const ITEMS = 1000;

function historyEvent(j: number): StoredEvent {
  return { type: 'added', id: makeEvent(j % ITEMS).id, text: makeEvent(j).text };
}

export async function stateAtRows(ctx: BenchContext): Promise<Row[]> {
  const window = 10_000; // quick too: writing it takes about a second
  const repeats = ctx.quick ? 2 : 7;
  const name = ctx.dbName(`tidemark-state-at-${countLabel(window)}`);
  const base = ITEMS;
  const lastSeq = base + window;
  ctx.log(`tidemark: stateAt over a window of ${countLabel(window)} commits, ${repeats} ×`);
  const at = Date.now() - 60_000;
  const entries: Array<[string, Item]> = [];
  for (let j = 1; j <= base; j++) entries.push([makeEvent(j % ITEMS).id, { text: makeEvent(j).text, done: false }]);
  const snapshot: SnapshotRecord = { seq: base, at, kind: 'periodic', version: 1, codec: 'json+gzip', ...(await encodeState({ items: buildTree(entries) })) };
  const records: JournalRecord[] = [];
  for (let seq = base + 1; seq <= lastSeq; seq++) records.push(journalRecord(seq, [historyEvent(seq)], () => at));
  await withDatabase(name, async (db) => {
    await putAll(db, 'snapshots', [snapshot]);
    await putAll(db, 'journal', records);
  });
  records.length = 0;

  const config: BenchStoreConfig = { name, reducer: 'items', everyEvents: 1e12 };
  const started = await start(itemsStore(config), config);
  const { store } = started;
  const raw = await request(indexedDB.open(name));
  const floor: number[] = [];
  const first: number[] = [];
  const last: number[] = [];
  const stalls: number[] = [];
  let commits = 0;
  await store.stateAt(lastSeq - 1); // warm up
  for (let r = 0; r < repeats; r++) {
    await settle();
    floor.push(await readOnPage(raw, base, lastSeq - 1));
    await settle();
    let t0 = performance.now();
    const early = await store.stateAt(base + 1);
    first.push(performance.now() - t0);
    await settle();
    // Awaited commits while the long stateAt runs: the longest one is what a user waits at worst.
    let running = true;
    let longest = 0;
    const writer = (async () => {
      while (running) {
        const c0 = performance.now();
        await store.commit({ type: 'added', id: `bench-stall-${commits}`, text: makeEvent(commits++).text });
        longest = Math.max(longest, performance.now() - c0);
      }
    })();
    t0 = performance.now();
    const late = await store.stateAt(lastSeq - 1);
    last.push(performance.now() - t0);
    running = false;
    await writer;
    stalls.push(longest);
    if (countItems(early.items) !== ITEMS || countItems(late.items) !== ITEMS) throw new Error('tidemark: stateAt lost items');
  }
  raw.close();
  kill(started);
  await ctx.dropDatabase(name);

  const window$ = `a window of ${countLabel(window)} one-commit records after one snapshot of a ${ITEMS}-item state`;
  return [
    msRow({
      name: STATE_AT.floor, label: `read what stateAt at the end of ${countLabel(window)} commits reads, on the page`, group: 'floor', n: 1,
      note: `get + gunzip + JSON.parse of the snapshot, getAll of the ${countLabel(window)} records after it; nothing applied`,
    }, floor),
    msRow({
      name: STATE_AT.start, label: `tidemark: stateAt at the start of ${countLabel(window)} commits`, group: 'tidemark', n: 1, ref: STATE_AT.floor,
      note: `page call → state: ${window$}; the snapshot decoded, 1 commit replayed, JSON to the page`,
    }, first),
    msRow({
      name: STATE_AT.end, label: `tidemark: stateAt at the end of ${countLabel(window)} commits`, group: 'tidemark', n: 1, ref: STATE_AT.floor,
      note: `page call → state: ${window$}; the snapshot decoded, ${countLabel(window - 1)} commits replayed in slices of ≤ 8 ms`,
    }, last),
    msRow({
      name: STATE_AT.stall, label: 'tidemark: longest commit during that stateAt', group: 'tidemark', n: 1, ref: 'tidemark.latency.strict.p50',
      note: `awaited strict commits, one after another, while stateAt at the end runs (median of ${repeats} runs' longest: ` +
        `${median(stalls).toFixed(1)} ms); the ref is an awaited strict commit's median latency`,
    }, stalls),
  ];
}

/** ms to read and decode, on the page, what stateAt(seq) reads. */
async function readOnPage(db: IDBDatabase, base: number, seq: number): Promise<number> {
  const t0 = performance.now();
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const [snapshot, records] = await Promise.all([
    request(tx.objectStore('snapshots').get(base)) as Promise<SnapshotRecord>,
    request(tx.objectStore('journal').getAll(IDBKeyRange.bound(base + 1, seq))) as Promise<JournalRecord[]>,
  ]);
  JSON.parse(new TextDecoder().decode(gunzipSync(snapshot.bytes)));
  const ms = performance.now() - t0;
  if (records.length !== seq - base) throw new Error(`tidemark: ${records.length} records in the window`);
  return ms;
}
