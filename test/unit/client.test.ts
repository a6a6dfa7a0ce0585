import { afterEach, describe, expect, test } from 'vitest';
import { connectStore, hashState, TidemarkError, PROTOCOL_VERSION } from 'tidemark';
import { memoryRemote, serveStore } from 'tidemark/worker';
import type { HelloMessage, PageMessage, WorkerChange } from '../../src/protocol.js';
import type { CommitRecord } from '../../src/types.js';
import { DRAFT_MAX_EVENTS } from '../../worker/load.js';
import { DRAFT_SLICE_MS } from '../../src/draft-state.js';
import { readSnapshotObject, snapshotObject } from '../../worker/remote/objects.js';
import { gzipSync } from 'node:zlib';
import { freshIndexedDB, open, request, todoStore, withRawDatabase } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let storeCount = 0;

/** A "tab": a served engine on one end of a MessageChannel and the page client on the other. */
async function tab(def: ReturnType<typeof todoStore>, indexedDB: IDBFactory, broadcast = false, timeoutMs = 30_000) {
  const channel = new MessageChannel();
  const served = serveStore(def, { endpoint: channel.port2, indexedDB, broadcast });
  const store = await connectStore(def, channel.port1, { checkpointOnHide: false, timeoutMs });
  cleanups.push(async () => {
    await store.close().catch(() => {});
    await served.close().catch(() => {});
    channel.port1.close();
    channel.port2.close();
  });
  return { store, served, channel };
}

function uniqueStore() {
  return todoStore({ name: `client-${++storeCount}-${Math.random().toString(36).slice(2)}` });
}

/** Says hello on `endpoint` as a page would, and returns what comes back up to the hello's answer. */
async function hello(endpoint: MessagePort, def: ReturnType<typeof todoStore>): Promise<WorkerChange[]> {
  const page = new MessageChannel();
  cleanups.push(() => page.port1.close());
  const seen: WorkerChange[] = [];
  const answered = new Promise<void>((resolve) => {
    page.port1.onmessage = (message: MessageEvent<WorkerChange>) => {
      seen.push(message.data);
      if (message.data.type === 'answer') resolve();
    };
  });
  const request = { protocol: PROTOCOL_VERSION, name: def.name, version: def.version };
  endpoint.postMessage({ type: 'tidemark:hello', request, port: page.port2 } satisfies HelloMessage, [page.port2]);
  await answered;
  return seen;
}

/** A store with snapshots at seq 1 and 2 and nothing after them; returns its state. */
async function checkpointedTwice(def: ReturnType<typeof todoStore>, idb: IDBFactory) {
  const store = await open(def, idb);
  await store.commit({ type: 'added', id: 'a', text: 'milk' });
  await store.checkpoint();
  await store.commit({ type: 'incremented', by: 2 });
  await store.checkpoint();
  const state = store.getState();
  await store.close();
  return state;
}

/** serveStore on one end of a channel; the other end is where pages say hello. */
function served(def: ReturnType<typeof todoStore>, idb: IDBFactory): MessagePort {
  const channel = new MessageChannel();
  const store = serveStore(def, { endpoint: channel.port2, indexedDB: idb, broadcast: false });
  cleanups.push(async () => (await store.close().catch(() => {}), channel.port1.close(), channel.port2.close()));
  return channel.port1;
}

/** A worker played by the test: `onHello` gets the port of each page that says hello. */
function fakeWorker(onHello: (port: MessagePort) => void): MessageChannel {
  const worker = new MessageChannel();
  cleanups.push(() => (worker.port1.close(), worker.port2.close()));
  worker.port2.onmessage = ({ data }: MessageEvent<HelloMessage>) => onHello(data.port);
  return worker;
}

function fail(): never {
  throw new Error('this reducer changed');
}

/** A hello's answer at `seq`, with the state or without it (the draft stands). */
function helloReply(seq: number, stateJson?: string) {
  const report = { snapshotSeq: 1, commitsReplayed: 0, ms: 0, fellBack: false, damaged: [] };
  return { clientId: 'w.1', seq, report, remote: { status: 'off' }, ...(stateJson !== undefined && { stateJson }) };
}

describe('the page client over its port', () => {
  test('getState is synchronous and optimistic: a commit shows at once, and is confirmed once durable', async () => {
    const { store } = await tab(uniqueStore(), freshIndexedDB());
    const commit = store.commit({ type: 'added', id: 'a', text: 'milk' });
    expect(store.getState().items.a).toEqual({ text: 'milk', done: false });
    expect(store.getConfirmedState().items.a).toBeUndefined();
    expect(store.pendingCommits).toBe(1);
    expect(await commit).toEqual({ seq: 1 });
    await store.whenSaved();
    expect(store.pendingCommits).toBe(0);
    await expect.poll(() => store.confirmedSeq).toBe(1);
    expect(store.getConfirmedState()).toEqual(store.getState());
  });

  test('subscribe is called with the new and previous state, and its return value unsubscribes', async () => {
    const { store } = await tab(uniqueStore(), freshIndexedDB());
    const seen: Array<[number, number]> = [];
    const off = store.subscribe((state, previous) => seen.push([state.count, previous.count]));
    await store.commit({ type: 'incremented', by: 2 });
    expect(seen[0]).toEqual([2, 0]);
    off();
    const calls = seen.length;
    await store.commit({ type: 'incremented', by: 1 });
    expect(seen.length).toBe(calls);
  });

  test('a commit that the page itself cannot apply is rejected at once and never sent', async () => {
    const { store } = await tab(uniqueStore(), freshIndexedDB());
    await expect(store.commit({ type: 'toggled', id: 'missing' })).rejects.toMatchObject({ code: 'REDUCER_THREW' });
    await expect(store.commit({ type: 'added', id: 'a', text: new Date() as never })).rejects.toMatchObject({
      code: 'NOT_PLAIN_DATA',
      details: { path: '.text' },
    });
    expect(store.pendingCommits).toBe(0);
    expect((await store.stats()).seq).toBe(0);
  });

  test('an error thrown in the worker reaches the page as a TidemarkError with its code, and pending commits rebase without it', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const first = await tab(def, idb);
    await first.store.commit({ type: 'added', id: 'a', text: 'shared' });
    // Tab 2 is not told of other tabs' commits (no broadcast): it learns of them only when it writes.
    const second = await tab(def, idb);
    expect(second.store.getState().items.a).toBeDefined();

    // Tab 1 removes the todo; tab 2, stale, toggles it and bumps a counter.
    await first.store.commit({ type: 'removed', id: 'a' });
    const toggle = second.store.commit({ type: 'toggled', id: 'a' });
    const bump = second.store.commit({ type: 'incremented', by: 5 });
    expect(second.store.getState().items.a?.done).toBe(true); // optimistic

    const error = await toggle.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TidemarkError);
    expect((error as TidemarkError).code).toBe('REDUCER_THREW');
    expect((error as TidemarkError).details.eventIndex).toBe(0);
    await bump;
    await expect.poll(() => second.store.getState()).toEqual({ items: {}, count: 5 });
    // The page's mirror and the worker's state agree.
    expect((await second.store.stats()).hash).toBe(hashState(second.store.getState()));
  });

  test('commits from another tab arrive and the pending ones are re-applied on top of them', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const first = await tab(def, idb, true);
    const second = await tab(def, idb, true);
    const mine = Array.from({ length: 20 }, () => second.store.commit({ type: 'incremented', by: 1 }));
    const theirs = Array.from({ length: 20 }, (_, i) => first.store.commit({ type: 'added', id: `x${i}`, text: 'theirs' }));
    expect(second.store.getState().count).toBe(20); // optimistic, before anything is durable
    await Promise.all([...mine, ...theirs]);
    await expect.poll(() => Object.keys(second.store.getState().items).length).toBe(20);
    await expect.poll(() => first.store.getState().count).toBe(20);
    expect(second.store.getState()).toEqual(first.store.getState());
    const stats = await first.store.stats();
    expect(stats.seq).toBe(40);
    expect(stats.journal.commits).toBe(40);
  });

  test('the load error of the worker reaches connectStore with its code', async () => {
    const idb = freshIndexedDB();
    const def = uniqueStore();
    const newer = { ...def, version: 2, migrations: {} };
    const { store } = await tab(newer, idb);
    await store.commit({ type: 'incremented', by: 1 });
    await store.close();
    const channel = new MessageChannel();
    cleanups.push(() => (channel.port1.close(), channel.port2.close()));
    serveStore(def, { endpoint: channel.port2, indexedDB: idb, broadcast: false }).ready.catch(() => {});
    await expect(connectStore(def, channel.port1)).rejects.toMatchObject({ name: 'TidemarkError', code: 'VERSION_AHEAD' });
  });

  test('a worker serving another store, or another protocol, is refused', async () => {
    const idb = freshIndexedDB();
    const channel = new MessageChannel();
    cleanups.push(() => (channel.port1.close(), channel.port2.close()));
    const served = serveStore(uniqueStore(), { endpoint: channel.port2, indexedDB: idb, broadcast: false });
    cleanups.push(() => served.close());
    await expect(connectStore(uniqueStore(), channel.port1)).rejects.toMatchObject({ code: 'STORE_MISMATCH' });

    // A page of another build: its hello is answered with the refusal, on the port it gave.
    const page = new MessageChannel();
    const answer = new Promise<WorkerChange>((resolve) => (page.port1.onmessage = (message) => resolve(message.data)));
    const hello: HelloMessage = { type: 'tidemark:hello', request: { protocol: PROTOCOL_VERSION + 1, name: 'x', version: 1 }, port: page.port2 };
    channel.port1.postMessage(hello, [page.port2]);
    expect(await answer).toMatchObject({ type: 'answer', id: 0, error: { code: 'PROTOCOL_MISMATCH' } });
    page.port1.close();
  });

  test('a worker that never answers fails the connection with WORKER_FAILED', async () => {
    const channel = new MessageChannel();
    cleanups.push(() => (channel.port1.close(), channel.port2.close()));
    await expect(connectStore(uniqueStore(), channel.port1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'WORKER_FAILED' });
  });

  test('close() finishes pending commits, and commits after it reject with CLOSED', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const { store } = await tab(def, idb);
    const last = store.commit({ type: 'incremented', by: 3 });
    await store.close();
    await expect(last).resolves.toEqual({ seq: 1 });
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('when the worker closes the database (another tab deletes it), the page is told: closedReason is set and listeners run', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const { store } = await tab(def, idb);
    await store.commit({ type: 'incremented', by: 1 });
    const told = new Promise<void>((resolve) => store.subscribe(() => store.closedReason && resolve()));
    const deletion = idb.deleteDatabase(def.name);
    const deleted = new Promise((resolve) => (deletion.onsuccess = resolve));
    await told;
    expect(store.closedReason).toContain('deleting');
    await expect(store.commit({ type: 'incremented', by: 1 })).rejects.toMatchObject({ code: 'CLOSED' });
    await deleted;
  });

  test('close() on a worker that no longer answers gives up after timeoutMs and fails its unconfirmed commits and calls with CLOSED', async () => {
    const { store, served, channel } = await tab(uniqueStore(), freshIndexedDB(), false, 1_000);
    await served.close(); // the worker is gone: nothing answers on its ports any more
    channel.port2.close();
    const lost = store.commit({ type: 'incremented', by: 1 });
    const unanswered = store.stats();
    expect(store.pendingCommits).toBe(1);
    await store.close();
    await expect(lost).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(unanswered).rejects.toMatchObject({ code: 'CLOSED' }); // a call in flight does not hang either
    await expect(store.stats()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(store.pendingCommits).toBe(0);
    expect(store.getState().count).toBe(0); // the optimistic commit is taken back
  });
});

describe('the draft: a snapshot the page parses while the worker checks it', () => {
  test('a newest snapshot with nothing after it is sent before its hash check ends, and the answer then leaves the state out', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const state = await checkpointedTwice(def, idb);
    const [draft, answer, ...rest] = await hello(served(def, idb), def);
    expect(rest).toEqual([]);
    expect(draft).toMatchObject({ type: 'draft' });
    expect(JSON.parse((draft as { stateJson: string }).stateJson)).toEqual(state);
    expect(answer).toMatchObject({ type: 'answer', id: 0, value: { seq: 2 } });
    expect((answer as { value: object }).value).not.toHaveProperty('stateJson');
  });

  test('every page that says hello while the store opens gets the draft; a page after the open gets the state itself', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const state = await checkpointedTwice(def, idb);
    const port = served(def, idb);
    const [first, second] = await Promise.all([hello(port, def), hello(port, def)]);
    for (const seen of [first, second]) {
      expect(seen.map((change) => change.type)).toEqual(['draft', 'answer']);
      expect((seen[1] as { value: object }).value).not.toHaveProperty('stateJson');
    }
    const [late] = await hello(port, def);
    expect(late).toMatchObject({ type: 'answer', value: { seq: 2 } });
    expect(JSON.parse((late as { value: { stateJson: string } }).value.stateJson)).toEqual(state);
  });

  test('a draft that fails its check is replaced: the answer carries the state rebuilt from the older snapshot', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const state = await checkpointedTwice(def, idb);
    // The newest snapshot still gunzips, to another state, under its old hash.
    await withRawDatabase(idb, def.name, async (db) => {
      const snapshots = db.transaction('snapshots', 'readwrite').objectStore('snapshots');
      const newest = await request(snapshots.get(2));
      await request(snapshots.put({ ...newest, bytes: new Uint8Array(gzipSync(JSON.stringify({ items: {}, count: 999 }))) }));
    });
    const port = served(def, idb);
    const [draft, answer] = await hello(port, def);
    expect(JSON.parse((draft as { stateJson: string }).stateJson)).toEqual({ items: {}, count: 999 });
    const value = (answer as { value: { stateJson: string; report: { damaged: Array<{ seq: number }> } } }).value;
    expect(JSON.parse(value.stateJson)).toEqual(state);
    expect(value.report.damaged.map((d) => d.seq)).toEqual([2]);
    // And a page: whatever it was sent first, it starts from the checked state.
    const store = await connectStore(def, port, { checkpointOnHide: false });
    cleanups.push(() => store.close());
    expect(store.getState()).toEqual(state);
  });

  test('the page starts from the draft only when the answer leaves the state out', async () => {
    const def = uniqueStore();
    const commit = (seq: number, events: unknown[]) => ({ seq, at: 0, origin: 'w.0:1', events }) as CommitRecord;
    const cases = [
      { answer: undefined, expected: 3 }, // the draft: its snapshot and its commit
      { answer: { seq: 2, stateJson: JSON.stringify({ items: {}, count: 7 }) }, expected: 7 },
    ];
    for (const { answer, expected } of cases) {
      const { port1 } = fakeWorker((port) => {
        port.postMessage({ type: 'draft', stateJson: JSON.stringify({ items: {}, count: 1 }), commits: [commit(2, [{ type: 'incremented', by: 2 }])] } satisfies WorkerChange);
        port.postMessage({ type: 'answer', id: 0, value: helloReply(2, answer?.stateJson) } satisfies WorkerChange);
      });
      const store = await connectStore(def, port1, { checkpointOnHide: false });
      expect(store.getState().count).toBe(expected);
      store.close().catch(() => {});
    }
  });

  test('a draft whose commits do not apply on the page is dropped, and the page asks the worker for the state', async () => {
    const def = uniqueStore();
    const asked: string[] = [];
    const { port1 } = fakeWorker((port) => {
      const missing = { seq: 2, at: 0, origin: 'w.0:1', events: [{ type: 'toggled', id: 'missing' }] } as CommitRecord;
      port.postMessage({ type: 'draft', stateJson: JSON.stringify({ items: {}, count: 1 }), commits: [missing] } satisfies WorkerChange);
      port.postMessage({ type: 'answer', id: 0, value: helloReply(2) } satisfies WorkerChange);
      port.onmessage = ({ data }: MessageEvent<PageMessage>) => {
        if (data.type !== 'call') return;
        asked.push(data.method);
        port.postMessage({ type: 'answer', id: data.id, value: { seq: 2, stateJson: JSON.stringify({ items: {}, count: 5 }) } } satisfies WorkerChange);
      };
    });
    const store = await connectStore(def, port1, { checkpointOnHide: false });
    expect(asked).toEqual(['state']);
    expect(store.getState().count).toBe(5);
    expect(store.confirmedSeq).toBe(2);
    store.close().catch(() => {});
  });

  test("a draft's commits are applied in slices that let the page's other work run; changes that come meanwhile are kept", async () => {
    const def = uniqueStore();
    // A reducer that takes 1 ms, and sees how often a 1 ms timer of the page's ran while the draft was applied.
    let ticks = 0;
    const seen: number[] = [];
    const slow = { ...def, events: { ...def.events, incremented: (s: { count: number }, e: { by: number }) => {
      const until = performance.now() + 1;
      while (performance.now() < until);
      seen.push(ticks);
      return { ...s, count: s.count + e.by };
    } } } as unknown as typeof def;
    const timer = setInterval(() => ticks++, 1);
    cleanups.push(() => clearInterval(timer));
    const n = 3 * DRAFT_SLICE_MS; // 1 ms each: three slices
    const commit = (seq: number, by: number) => ({ seq, at: 0, origin: 'w.0:1', events: [{ type: 'incremented', by }] }) as CommitRecord;
    const { port1 } = fakeWorker((port) => {
      port.postMessage({ type: 'draft', stateJson: JSON.stringify({ items: {}, count: 0 }), commits: Array.from({ length: n }, (_, i) => commit(i + 1, 1)) } satisfies WorkerChange);
      port.postMessage({ type: 'answer', id: 0, value: helloReply(n) } satisfies WorkerChange);
      port.postMessage({ type: 'commits', commits: [commit(n + 1, 100)] } satisfies WorkerChange);
    });
    const store = await connectStore(slow, port1, { checkpointOnHide: false });
    expect(seen.length).toBeGreaterThanOrEqual(n);
    expect(seen[n - 1]!).toBeGreaterThan(seen[0]!); // the page's timer ran between slices
    expect(store.confirmedSeq).toBe(n + 1);
    expect(store.getState().count).toBe(n + 100);
    store.close().catch(() => {});
  });

  test('the worker answers before it builds a drafted state itself; if that build throws, every page is told, and none waits', async () => {
    const def = uniqueStore();
    const idb = freshIndexedDB();
    const written = await open(def, idb);
    await written.commit({ type: 'added', id: 'a', text: 'milk' });
    await written.checkpoint();
    await written.commit({ type: 'incremented', by: 1 });
    cleanups.push(() => written.close());
    // The same store with a reducer that now throws on the commit after the snapshot (a build that changed it).
    let built = 0;
    const changed = { ...def, events: { ...def.events, incremented: () => (built++, fail()) } } as typeof def;
    const port = served(changed, idb);
    const seen = await hello(port, changed);
    expect(seen.map((change) => change.type)).toEqual(['draft', 'answer']);
    // The answer leaves the state out and came before the worker replayed anything (the page's draft threw).
    expect((seen[1] as { value: object }).value).not.toHaveProperty('stateJson');
    expect(built).toBe(0);
    await expect.poll(() => built).toBe(1); // the worker builds it right after
    // A page after the open is told at once, not left to its timeout.
    const late = await hello(port, changed);
    expect(late).toMatchObject([{ type: 'answer', error: { code: 'REDUCER_THREW' } }]);
    await expect(connectStore(changed, port, { checkpointOnHide: false, timeoutMs: 2000 })).rejects.toMatchObject({ code: 'REDUCER_THREW' });
  });

  test('a new device hydrating from the remote sends its pages the download as a draft, in two parts: the answer leaves the state out', async () => {
    const def = uniqueStore();
    const remote = memoryRemote({ uploadDelayMs: 0, snapshotEveryCommits: 5, snapshotCooldownMs: 0 });
    const laptop = await open(def, freshIndexedDB(), { remote });
    for (let i = 0; i < 5; i++) await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
    await laptop.checkpoint();
    await laptop.commit({ type: 'incremented', by: 3 });
    await laptop.whenUploaded();
    cleanups.push(() => laptop.close());

    const channel = new MessageChannel();
    const phone = serveStore(def, { endpoint: channel.port2, indexedDB: freshIndexedDB(), broadcast: false, remote });
    cleanups.push(async () => (await phone.close().catch(() => {}), channel.port1.close(), channel.port2.close()));
    // The snapshot's JSON as soon as it is decompressed, then its commits once the segments are checked.
    const [draft, more, answer, ...rest] = await hello(channel.port1, def);
    expect(rest).toEqual([]);
    expect(draft).toMatchObject({ type: 'draft', commits: [] });
    expect(JSON.parse((draft as { stateJson: string }).stateJson).items).toHaveProperty('t4');
    expect(more).toMatchObject({ type: 'draft' });
    expect(more).not.toHaveProperty('stateJson');
    expect((more as { commits: CommitRecord[] }).commits.map((c) => c.seq)).toEqual([6]);
    expect((answer as { value: object }).value).toMatchObject({ seq: 6, report: { source: 'remote', remote: { snapshotSeq: 5 } } });
    expect((answer as { value: object }).value).not.toHaveProperty('stateJson');
    const store = await connectStore(def, channel.port1, { checkpointOnHide: false });
    cleanups.push(() => store.close());
    expect(hashState(store.getState())).toBe(hashState(laptop.getState()));
    // The worker's own state, built after the answer, is the same: it goes on from there.
    await store.commit({ type: 'incremented', by: 1 });
    const [late] = await hello(channel.port1, def);
    expect(JSON.parse((late as { value: { stateJson: string } }).value.stateJson)).toEqual(store.getState());
  });

  test("a draft's commits may come after its JSON; a new JSON starts the draft over", async () => {
    const def = uniqueStore();
    const commit = (seq: number, by: number) => ({ seq, at: 0, origin: 'w.0:1', events: [{ type: 'incremented', by }] }) as CommitRecord;
    const { port1 } = fakeWorker((port) => {
      port.postMessage({ type: 'draft', stateJson: JSON.stringify({ items: {}, count: 500 }), commits: [] } satisfies WorkerChange); // failed its check
      port.postMessage({ type: 'draft', stateJson: JSON.stringify({ items: {}, count: 1 }), commits: [] } satisfies WorkerChange);
      port.postMessage({ type: 'draft', commits: [commit(2, 2), commit(3, 3)] } satisfies WorkerChange);
      port.postMessage({ type: 'answer', id: 0, value: helloReply(3) } satisfies WorkerChange);
    });
    const store = await connectStore(def, port1, { checkpointOnHide: false });
    expect(store.getState().count).toBe(6);
    expect(store.confirmedSeq).toBe(3);
    store.close().catch(() => {});
  });

  test('a hydration past a newest snapshot that decompresses but fails its hash: the pages start over from the older one, and get the state', async () => {
    const def = uniqueStore();
    const remote = memoryRemote({ uploadDelayMs: 0, snapshotEveryCommits: 3, snapshotCooldownMs: 0 });
    const laptop = await open(def, freshIndexedDB(), { remote });
    cleanups.push(() => laptop.close());
    for (let i = 0; i < 7; i++) {
      await laptop.commit({ type: 'added', id: `t${i}`, text: `todo ${i}` });
      if (i % 3 === 2) await laptop.checkpoint();
      await laptop.whenUploaded();
    }
    const keys = [...remote.objects.keys()].filter((k) => k.startsWith('snap/')).sort();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const newest = keys[keys.length - 1]!;
    // Another state under the newest snapshot's hash: it decompresses, so its JSON goes out before the check fails.
    const { record } = await readSnapshotObject(remote.objects.get(newest)!, newest, def.name);
    remote.objects.set(newest, snapshotObject(def.name, { ...record, bytes: new Uint8Array(gzipSync(JSON.stringify({ items: {}, count: 999 }))) }));

    const channel = new MessageChannel();
    const phone = serveStore(def, { endpoint: channel.port2, indexedDB: freshIndexedDB(), broadcast: false, remote });
    cleanups.push(async () => (await phone.close().catch(() => {}), channel.port1.close(), channel.port2.close()));
    const seen = await hello(channel.port1, def);
    const drafts = seen.filter((change) => change.type === 'draft') as Array<{ stateJson?: string }>;
    expect(JSON.parse(drafts[0]!.stateJson!)).toEqual({ items: {}, count: 999 });
    expect(drafts.filter((d) => d.stateJson !== undefined).length).toBe(2); // the older snapshot's JSON followed
    expect((seen[seen.length - 1] as { value: { report: { remote: { damaged: Array<{ key: string }> } } } }).value.report.remote.damaged.map((d) => d.key)).toEqual([newest]);
    const store = await connectStore(def, channel.port1, { checkpointOnHide: false });
    cleanups.push(() => store.close());
    expect(hashState(store.getState())).toBe(hashState(laptop.getState()));
  });

  test('commits after the newest snapshot come with the draft, up to DRAFT_MAX_EVENTS events; past that the answer carries the state', async () => {
    for (const events of [2, DRAFT_MAX_EVENTS + 1]) {
      const def = uniqueStore();
      const idb = freshIndexedDB();
      const written = await open(def, idb);
      await written.commit({ type: 'added', id: 'a', text: 'milk' });
      await written.checkpoint();
      await written.commit(...Array.from({ length: events }, () => ({ type: 'incremented' as const, by: 1 })));
      const state = written.getState();
      cleanups.push(() => written.close()); // not before: closing writes a snapshot of what is after this one
      const port = served(def, idb);
      const seen = await hello(port, def);
      if (events <= DRAFT_MAX_EVENTS) {
        expect(seen.map((change) => change.type)).toEqual(['draft', 'answer']);
        expect((seen[0] as { commits: CommitRecord[] }).commits.map((c) => c.seq)).toEqual([2]);
        expect((seen[1] as { value: object }).value).not.toHaveProperty('stateJson');
      } else {
        expect(seen.map((change) => change.type)).toEqual(['answer']);
      }
      const store = await connectStore(def, port, { checkpointOnHide: false });
      cleanups.push(() => store.close());
      expect(store.getState()).toEqual(state);
      expect(store.loadReport).toMatchObject({ snapshotSeq: 1, commitsReplayed: 1 });
    }
  });
});
