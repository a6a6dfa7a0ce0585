// The remote rows (issue: backup to S3), against a real S3 server (Ceph RGW,
// started by bench/run.mjs), side by side with their floors in one run:
//
// - upload: a store holding a large state (a snapshot) plus N commits opens
//   with a remote and uploads everything; compared with raw signed PUTs of
//   the same objects' bytes, one after another (goal ≥ 0.8×);
//   and, to say where the rest goes, with reading the same data from
//   IndexedDB before those PUTs (floor.s3-read-put; no goal);
// - the page's longest task while that upload runs (goal: none over 50 ms);
// - hydrate: an empty device opens the store from the bucket; compared with
//   downloading the same objects and gunzip + JSON.parse of each (goal ≤ 1.5×),
//   and, to say where the rest goes, with the same plus the IndexedDB write a
//   hydration must make (floor.s3-get-decode-write; no goal).
import { AwsClient } from 'aws4fetch';
import { type BenchContext, type Row, median, msRow, settle, sizeLabel } from './harness';
import type { JournalRecord, SnapshotRecord } from '../../worker/records';
import { type BenchBucket, itemsStore } from './tidemark.store';
import {
  type LongTasks, itemsConfig, journalRecord, kill, makeStateItems, putAll, start, watchLongTasks, withDatabase,
  writeStateDatabase,
} from './tidemark';
import type { Database } from '../../worker/database';

/** An S3 server and its keys (bench/run.mjs makes a bucket for the run). */
export type BenchServer = NonNullable<BenchContext['s3']>;

export const REMOTE = {
  putFloor: 'floor.s3-put',
  readPutFloor: 'floor.s3-read-put',
  upload: 'tidemark.remote.upload',
  uploadLongTask: 'tidemark.remote.main-thread',
  getFloor: 'floor.s3-get-decode',
  getWriteFloor: 'floor.s3-get-decode-write',
  hydrate: 'tidemark.remote.hydrate',
} as const;

export const remote = {
  name: 'remote',
  async run(ctx: BenchContext): Promise<Row[]> {
    if (!ctx.s3) {
      const note = 'not measured: no S3 server (install Ceph RGW with `node scripts/rgw.mjs ensure`, or set TIDEMARK_S3_ENDPOINT)';
      return Object.values(REMOTE).map((name) => ({ name, label: name, group: name.startsWith('floor') ? 'floor' : 'tidemark', unit: 'ms', value: null, n: 0, note }) satisfies Row);
    }
    const longTasks = watchLongTasks();
    try {
      return await measure(ctx, ctx.s3, longTasks);
    } finally {
      longTasks.stop();
    }
  },
};

async function measure(ctx: BenchContext, server: BenchServer, longTasks: LongTasks): Promise<Row[]> {
  const { commits, repeats } = ctx.sizes.remote;
  const stateBytes = Math.max(...ctx.sizes.states.bytes);
  const client = new AwsClient({ ...server, service: 's3', retries: 0 });
  const upload: number[] = [], putFloor: number[] = [], readPutFloor: number[] = [], hydrate: number[] = [], getFloor: number[] = [], getWriteFloor: number[] = [], longest: number[] = [];
  let objectBytes = 0;
  let objects = 0;
  for (let r = 0; r < repeats; r++) {
    const name = ctx.dbName('remote-upload');
    const prefix = `bench/${name}`;
    const bucket: BenchBucket = { ...server, prefix };
    ctx.log(`remote: uploading a ${sizeLabel(stateBytes)} state + ${commits} commits (${r + 1}/${repeats})`);
    await writeDevice(name, stateBytes, commits);
    const device = await start(itemsStore(itemsConfig(name)), { ...itemsConfig(name), s3: bucket });
    await settle();
    const t0 = performance.now();
    await device.store.whenUploaded();
    const t1 = performance.now();
    upload.push(t1 - t0);
    longest.push(await longTasks.longestIn(t0, t1));
    const expectedSeq = device.store.confirmedSeq;
    kill(device);

    const listed = await list(client, server, prefix);
    objectBytes = listed.reduce((sum, o) => sum + o.bytes.length, 0);
    objects = listed.length;
    // The floor: the same bytes, PUT one after another with If-None-Match, as the uploader does.
    await settle();
    const p0 = performance.now();
    for (const object of listed) await put(client, `${server.endpoint}/${server.bucket}/floor-${prefix}/${object.key}`, object.bytes);
    putFloor.push(performance.now() - p0);
    // The same, after reading what the uploader reads from the device's database: its journal and snapshot.
    await settle();
    const r0 = performance.now();
    await withDatabase(name, async (db) => {
      const tx = db.transaction(['journal', 'snapshots'], 'readonly');
      await Promise.all([tx.objectStore('journal').getAll(), tx.objectStore('snapshots').getAll(), tx.done]);
    });
    for (const object of listed) await put(client, `${server.endpoint}/${server.bucket}/floor-read-${prefix}/${object.key}`, object.bytes);
    readPutFloor.push(performance.now() - r0);

    // Hydrate an empty device (the same store, its database deleted), then the
    // floor: GET the same objects, gunzip and parse each.
    await ctx.dropDatabase(name);
    await settle();
    const h = await start(itemsStore(itemsConfig(name)), { ...itemsConfig(name), s3: bucket });
    if (h.store.loadReport.source !== 'remote' || h.store.confirmedSeq !== expectedSeq) {
      throw new Error(`remote: the hydrated device is at seq ${h.store.confirmedSeq} from ${h.store.loadReport.source}, not ${expectedSeq} from the bucket`);
    }
    hydrate.push(h.connectMs);
    kill(h);
    await settle();
    const g0 = performance.now();
    for (const object of listed) await getAndDecode(client, `${server.endpoint}/${server.bucket}/${prefix}/${object.key}`);
    getFloor.push(performance.now() - g0);
    await ctx.dropDatabase(name);

    // The same, then written to an empty database as a hydration writes it.
    const scratch = ctx.dbName('remote-floor');
    await withDatabase(scratch, async () => {}); // created (empty) before the clock starts
    await settle();
    const w0 = performance.now();
    const decoded: Decoded[] = [];
    for (const object of listed) decoded.push(await getAndDecode(client, `${server.endpoint}/${server.bucket}/${prefix}/${object.key}`));
    await withDatabase(scratch, (db) => writeLikeHydration(db, decoded));
    getWriteFloor.push(performance.now() - w0);
    await ctx.dropDatabase(scratch);
  }
  const mb = objectBytes / 1e6;
  const what = `${objects} objects, ${sizeLabel(objectBytes)}: a ${sizeLabel(stateBytes)} state's snapshot + ${commits} commits`;
  return [
    { name: REMOTE.putFloor, label: 'raw signed PUTs of the same objects', group: 'floor', unit: 'MB/s', value: mb / (median(putFloor) / 1000), n: objects, samples: putFloor.map((ms) => mb / (ms / 1000)), note: `${what}, one after another, If-None-Match: *, aws4fetch on the page` },
    { name: REMOTE.readPutFloor, label: 'read the same data from IndexedDB + the same PUTs', group: 'floor', unit: 'MB/s', value: mb / (median(readPutFloor) / 1000), n: objects, samples: readPutFloor.map((ms) => mb / (ms / 1000)), note: `the device's journal (one getAll) and snapshot read from its database, then ${REMOTE.putFloor}'s PUTs. Not the goal's floor: it says how much of the gap is reading the commits back (serialising and gzipping them are not in it)` },
    { name: REMOTE.upload, label: 'tidemark: upload to S3', group: 'tidemark', unit: 'MB/s', value: mb / (median(upload) / 1000), n: objects, ref: REMOTE.putFloor, samples: upload.map((ms) => mb / (ms / 1000)), note: `${what}; whenUploaded() on a store that has uploaded nothing yet → resolved: read, encode, sign and create every object, keep the cursor; ${(median(readPutFloor) / median(upload)).toFixed(2)}× the speed of ${REMOTE.readPutFloor}` },
    msRow({ name: REMOTE.uploadLongTask, label: 'tidemark: longest page task during the upload', group: 'tidemark', n: 1, note: 'longtask entries (≥ 50 ms) on the page while the worker uploads; 0 = none. Goal: none over 50 ms' }, longest),
    msRow({ name: REMOTE.getFloor, label: 'download the same objects + gunzip + JSON.parse', group: 'floor', n: objects, note: `${what}, one after another, native DecompressionStream` }, getFloor),
    msRow({ name: REMOTE.getWriteFloor, label: 'download + gunzip + JSON.parse + write to IndexedDB', group: 'floor', n: objects, note: `${what}: ${REMOTE.getFloor}, then the snapshot's bytes and the commits (one record) written in one strict transaction, as a hydration writes them. Not the goal's floor: it says how much of the gap is the write` }, getWriteFloor),
    msRow({ name: REMOTE.hydrate, label: 'tidemark: hydrate an empty device from S3', group: 'tidemark', n: 1, ref: REMOTE.getFloor, note: `connectStore → ready on an empty database: list, download and verify ${what}, write them to IndexedDB, load; ${(median(hydrate) / median(getWriteFloor)).toFixed(2)}× ${REMOTE.getWriteFloor}` }, hydrate),
  ];
}

/** A device's database: a snapshot of a state of about `stateBytes` JSON, then `commits` one-commit records. */
async function writeDevice(name: string, stateBytes: number, commits: number): Promise<void> {
  const items = Object.entries(makeStateItems(stateBytes));
  const { seq } = await writeStateDatabase(name, items);
  const at = Date.now();
  const records = Array.from({ length: commits }, (_, k) => {
    const [id, item] = items[k % items.length]!;
    return journalRecord(seq + 1 + k, [{ type: 'added', id, text: `${item.text.slice(0, 80)} v${k}` }], () => at);
  });
  await withDatabase(name, (db) => putAll(db, 'journal', records));
}

async function list(client: AwsClient, server: BenchServer, prefix: string): Promise<Array<{ key: string; bytes: Uint8Array }>> {
  const response = await client.fetch(`${server.endpoint}/${server.bucket}?list-type=2&prefix=${encodeURIComponent(`${prefix}/`)}`);
  const keys = [...(await response.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
  return Promise.all(keys.map(async (key) => ({
    key: key.slice(prefix.length + 1),
    bytes: new Uint8Array(await (await client.fetch(`${server.endpoint}/${server.bucket}/${key}`)).arrayBuffer()),
  })));
}

async function put(client: AwsClient, url: string, bytes: Uint8Array): Promise<void> {
  const response = await client.fetch(url, { method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'if-none-match': '*' } });
  if (!response.ok) throw new Error(`remote floor: PUT answered ${response.status}`);
}

/** An object as downloaded: its header, its payload (gzip JSON) and that JSON parsed. */
interface Decoded {
  header: { type: 'snapshot' | 'segment'; seq?: number; at?: number; hash?: string; rawBytes?: number };
  payload: Uint8Array;
  value: unknown;
}

/** GET, then the object's payload (after its header) gunzipped natively and parsed. */
async function getAndDecode(client: AwsClient, url: string): Promise<Decoded> {
  const bytes = new Uint8Array(await (await client.fetch(url)).arrayBuffer());
  const headerLength = new DataView(bytes.buffer).getUint32(4);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Decoded['header'];
  const payload = bytes.subarray(8 + headerLength);
  const stream = new Blob([payload]).stream().pipeThrough(new DecompressionStream('gzip'));
  return { header, payload, value: JSON.parse(await new Response(stream).text()) };
}

/**
 * What a hydration writes, in one strict transaction: the snapshot's bytes
 * as they came, and every commit of the segments packed into one journal
 * record (as worker/remote/hydrate.ts packs them).
 */
async function writeLikeHydration(db: Database, decoded: Decoded[]): Promise<void> {
  const snapshot = decoded.find((d) => d.header.type === 'snapshot')!;
  const records = decoded.filter((d) => d.header.type === 'segment').flatMap((d) => d.value as JournalRecord[]).sort((a, b) => a.seq - b.seq);
  const packed: JournalRecord = { ...records[0]!, last: records[records.length - 1]!.last, commits: records.flatMap((r) => r.commits) };
  const { seq, at, hash, rawBytes } = snapshot.header;
  const record: SnapshotRecord = { seq: seq!, at: at!, kind: 'periodic', version: 1, codec: 'json+gzip', bytes: snapshot.payload, rawBytes: rawBytes!, hash: hash! };
  const tx = db.transaction(['journal', 'snapshots'], 'readwrite', { durability: 'strict' });
  await Promise.all([tx.objectStore('snapshots').add(record), tx.objectStore('journal').add(packed), tx.done]);
}
