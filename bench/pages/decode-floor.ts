// The floor of loading a snapshot: gunzip (fflate, as tidemark's codec) and
// JSON.parse of a state of ~1 MB and ~10 MB of JSON; and the same with the
// compressed bytes first read from IndexedDB, which is what a load must do
// before any journal replay.
import { gunzipSync, gzipSync } from 'fflate';
import {
  type BenchContext, type Row, type Suite,
  done, makeEvent, median, msRow, openDatabase, request, settle, sizeLabel, time,
} from './harness';

/** Row names, so a tidemark load row can point its `ref` at the right size. */
export const decodeRowName = (bytes: number) => `decode.gunzip-parse.${sizeLabel(bytes).replace(' ', '')}`;
export const readDecodeRowName = (bytes: number) => `decode.idb-gunzip-parse.${sizeLabel(bytes).replace(' ', '')}`;

/** A todo state whose JSON is at least `bytes` long, built from the bench events. */
export function makeState(bytes: number): { items: Record<string, { text: string; done: boolean }> } {
  const items: Record<string, { text: string; done: boolean }> = {};
  // Each item is ~94 bytes of JSON.
  let i = 0;
  for (let approx = 12; approx < bytes; approx += 94, i++) {
    const e = makeEvent(i);
    items[e.id] = { text: e.text, done: i % 3 === 0 };
  }
  return { items };
}

export const decodeFloor: Suite = {
  name: 'decode-floor',
  async run(ctx) {
    const rows: Row[] = [];
    const { bytes, repeats } = ctx.sizes.states;
    for (const [k, target] of bytes.entries()) rows.push(...(await decodeAt(ctx, target, repeats[k] ?? 3)));
    return rows;
  },
};

async function decodeAt(ctx: BenchContext, target: number, repeats: number): Promise<Row[]> {
  const json = JSON.stringify(makeState(target));
  const raw = new TextEncoder().encode(json);
  const compressed = gzipSync(raw, { level: 1 });
  const size = sizeLabel(target);
  ctx.log(`snapshot decode: ${repeats} × ${size} state (${(compressed.length / 1e3).toFixed(0)} KB gzip)`);

  const decoder = new TextDecoder();
  const decode = (bytes: Uint8Array) => {
    const t0 = performance.now();
    const text = decoder.decode(gunzipSync(bytes));
    const t1 = performance.now();
    const state = JSON.parse(text) as unknown;
    return { state, gunzipMs: t1 - t0, parseMs: performance.now() - t1 };
  };

  const name = ctx.dbName(`decode-${size}`);
  const db = await openDatabase(name, ['snapshots']);
  const put = db.transaction('snapshots', 'readwrite');
  const key = await request(put.objectStore('snapshots').add(compressed));
  await done(put);

  const total: number[] = [];
  const gunzip: number[] = [];
  const parse: number[] = [];
  const fromIdb: number[] = [];
  decode(compressed); // warm up
  for (let r = 0; r < repeats; r++) {
    await settle();
    total.push(await time(() => {
      const result = decode(compressed);
      gunzip.push(result.gunzipMs);
      parse.push(result.parseMs);
    }));
    await settle();
    fromIdb.push(await time(async () => {
      const tx = db.transaction('snapshots', 'readonly');
      const bytes = await request(tx.objectStore('snapshots').get(key)) as Uint8Array;
      decode(bytes);
    }));
  }
  db.close();
  await ctx.dropDatabase(name);

  const mb = raw.length / 1e6;
  const split = `gunzip + UTF-8 decode ${median(gunzip).toFixed(1)} ms (${(mb / median(gunzip) * 1000).toFixed(0)} MB/s), ` +
    `JSON.parse ${median(parse).toFixed(1)} ms; ${sizeLabel(raw.length)} JSON, ` +
    `${sizeLabel(compressed.length)} gzip level 1`;
  return [
    msRow({ name: decodeRowName(target), label: `decode ${size} state: gunzip + JSON.parse`,
      group: 'floor', n: 1, bytes: raw.length, note: split }, total),
    msRow({ name: readDecodeRowName(target), label: `decode ${size} state: IDB get + gunzip + parse`,
      group: 'floor', n: 1, bytes: raw.length,
      note: 'one get() in a readonly transaction on an open database, then as above' },
    fromIdb),
  ];
}
