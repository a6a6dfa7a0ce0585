// The page side of the engine tests: connects to a real module Worker that
// runs serveStore, through the public API only, and publishes helpers as
// window.tm for the Node test to call with page.evaluate. Every helper returns
// plain, cloneable data; errors come back as ErrorFacts, so the test can see
// their code and whether they were TidemarkErrors on the page.
import {
  connectStore,
  hashState,
  isTidemarkError,
  type ClientStore,
  type CommitResult,
  type ConnectOptions,
  type LoadReport,
  type RemoteStatus,
  type SnapshotInfo,
  type StoreStats,
} from 'tidemark';
import { deleteStore } from 'tidemark/worker';
import { engineStore, numberedCommit, type EngineEvent, type EngineState, type EngineStoreConfig } from './engine.store';

/** An error as the page saw it. */
export interface ErrorFacts {
  /** `error instanceof TidemarkError` on the page. */
  isTidemarkError: boolean;
  name: string;
  code: string | undefined;
  message: string;
  details: unknown;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorFacts };

/** What the page's store shows right now. */
export interface PageState {
  state: EngineState;
  /** hashState of `state`, computed on the page. */
  hash: string;
  confirmedSeq: number;
  pendingCommits: number;
}

export interface Connected extends PageState {
  loadReport: LoadReport;
}

/** A run of numbered commits that ended with the worker terminated. */
export interface CrashRun {
  /** True when the worker was terminated; false when the run timed out first. */
  killed: boolean;
  /** Commits sent (numbered 1…issued). */
  issued: number;
  /** Numbers of the commits whose promise had resolved when the worker was terminated. */
  ackedAtKill: number[];
  /** Commits rejected before the kill (there should be none). */
  failures: ErrorFacts[];
}

/** A snapshot record as it is in IndexedDB, without the bytes themselves. */
export interface RawSnapshot {
  seq: number;
  kind: string;
  version: number;
  codec: string;
  rawBytes: number;
  hash: string;
  bytesAreUint8Array: boolean;
  byteLength: number;
  /** The first four bytes. */
  head: number[];
}

/** A journal record as it is in IndexedDB. */
export interface RawJournalRecord {
  seq: number;
  last: number;
  version: number;
  commitSeqs: number[];
  eventsPerCommit: number[];
}

type EngineClient = ClientStore<EngineState, EngineEvent>;

let worker: Worker | undefined;
let store: EngineClient | undefined;
let lastCrashAcks: number[] = [];

function current(): EngineClient {
  if (!store) throw new Error('tm: not connected; call tm.connect(config) first');
  return store;
}

function describeError(error: unknown): ErrorFacts {
  const e = error as { name?: unknown; code?: unknown; message?: unknown; details?: unknown } | null;
  return {
    isTidemarkError: isTidemarkError(error),
    name: typeof e?.name === 'string' ? e.name : typeof error,
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(error),
    details: JSON.parse(JSON.stringify(e?.details ?? null)) as unknown,
  };
}

async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

function pageState(s: EngineClient): PageState {
  const state = s.getState();
  return { state, hash: hashState(state), confirmedSeq: s.confirmedSeq, pendingCommits: s.pendingCommits };
}

// A task boundary that setTimeout's 4 ms clamp does not slow down.
const tick = new MessageChannel();
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    tick.port1.onmessage = () => resolve();
    tick.port2.postMessage(null);
  });
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Opens the store's database as it is (no version: no upgrade), runs `use`, closes it. */
async function withRawDatabase<T>(name: string, use: (db: IDBDatabase) => Promise<T>): Promise<T> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(name);
    req.onupgradeneeded = () => {
      req.transaction?.abort();
      reject(new Error(`tm: there is no database "${name}"`));
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error(`tm: could not open "${name}"`));
  });
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

function readAll(db: IDBDatabase, storeName: 'journal' | 'snapshots'): Promise<unknown[]> {
  return request(db.transaction(storeName).objectStore(storeName).getAll());
}

const api = {
  /**
   * Starts a new module worker serving `config`'s store and connects to it.
   * Pages hide-checkpoints are off unless asked for, so snapshots are written
   * only when a test says so.
   */
  async connect(config: EngineStoreConfig, options: ConnectOptions = {}): Promise<Outcome<Connected>> {
    // A worker whose store failed to load is left running, as an app would leave it, until the next connect.
    if (worker && !store) worker.terminate();
    worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(config) });
    store = undefined;
    const started = worker;
    return outcome(async () => {
      const connected = await connectStore(engineStore(config), started, { checkpointOnHide: false, ...options });
      store = connected;
      return { ...pageState(connected), loadReport: connected.loadReport };
    });
  },

  /** Kills the worker at once, as a crash would: no close(), no last snapshot. */
  terminate(): void {
    if (!worker) throw new Error('tm: no worker to terminate');
    worker.terminate();
    worker = undefined;
    store = undefined;
  },

  commit(events: EngineEvent[]): Promise<Outcome<CommitResult>> {
    return outcome(() => current().commit(...events));
  },

  /** Commits numbered commits from…to, all in one task, and waits for them all. */
  async commitNumbered(from: number, to: number): Promise<Outcome<CommitResult[]>> {
    const s = current();
    const commits: Array<Promise<CommitResult>> = [];
    for (let n = from; n <= to; n++) commits.push(s.commit(...numberedCommit(n)));
    return outcome(() => Promise.all(commits));
  },

  /**
   * Sends numbered commits 1…total, each in a task of its own and none
   * awaited, and terminates the worker the moment the `killAfter`-th one is
   * acknowledged (its promise resolved). Commits made in one task share one
   * message and resolve together, hence one commit per task.
   */
  async crashRun(total: number, killAfter: number, timeoutMs = 20_000): Promise<CrashRun> {
    const s = current();
    const w = worker!;
    const acked: number[] = [];
    lastCrashAcks = acked;
    const failures: ErrorFacts[] = [];
    let killed = false;
    let issued = 0;
    let ackedAtKill: number[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const kill = (): void => {
      if (killed) return;
      killed = true;
      w.terminate();
      ackedAtKill = [...acked];
      done();
    };
    void (async () => {
      for (let n = 1; n <= total && !killed; n++) {
        issued = n;
        s.commit(...numberedCommit(n)).then(
          () => {
            acked.push(n);
            if (acked.length === killAfter) kill();
          },
          (error: unknown) => {
            failures.push(describeError(error));
            kill();
          },
        );
        await nextTask();
      }
    })();
    const timer = setTimeout(done, timeoutMs);
    await finished;
    clearTimeout(timer);
    if (worker === w) {
      worker = undefined;
      store = undefined;
    }
    return { killed, issued, ackedAtKill, failures };
  },

  /**
   * Starts committing numbered commits from `from` upward, each in a task of
   * its own and none awaited, at most `window` unacknowledged at a time, and
   * returns at once. Each acknowledgement is reported at once through the
   * page binding `tmAck(n)` (the kill loop's Node side exposes it), so Node
   * knows every commit acknowledged before it kills the browser.
   */
  commitUntilKilled(from: number, window = 64): void {
    const s = current();
    const ack = (globalThis as unknown as { tmAck?: (n: number) => void }).tmAck;
    if (!ack) throw new Error('tm: commitUntilKilled needs the tmAck binding');
    let unacked = 0;
    void (async () => {
      for (let n = from; ; ) {
        if (unacked < window) {
          unacked++;
          const k = n++;
          s.commit(...numberedCommit(k)).then(
            () => {
              unacked--;
              ack(k);
            },
            () => unacked--,
          );
        }
        await nextTask();
      }
    })();
  },

  /**
   * Times numbered commits from…from+count-1 on the page: one at a time, each
   * awaited (latency), then `count` more sent in one task (throughput).
   */
  async timeCommits(from: number, count: number): Promise<{ latenciesMs: number[]; burstMs: number }> {
    const s = current();
    const latenciesMs: number[] = [];
    for (let n = from; n < from + count; n++) {
      const started = performance.now();
      await s.commit(...numberedCommit(n));
      latenciesMs.push(performance.now() - started);
    }
    const started = performance.now();
    const burst: Array<Promise<CommitResult>> = [];
    for (let n = from + count; n < from + 2 * count; n++) burst.push(s.commit(...numberedCommit(n)));
    await Promise.all(burst);
    return { latenciesMs, burstMs: performance.now() - started };
  },

  /** Every commit of the last crashRun acknowledged so far, kill or not. */
  ackedInLastCrash(): number[] {
    return [...lastCrashAcks];
  },

  state(): PageState {
    return pageState(current());
  },

  stats(): Promise<Outcome<StoreStats>> {
    return outcome(() => current().stats());
  },

  /** store.whenUploaded(): the remote (e.g. the OPFS copy) holds every commit made so far. */
  whenUploaded(): Promise<Outcome<void>> {
    return outcome(() => current().whenUploaded());
  },

  /** store.remote: where the remote (e.g. the OPFS copy) stands. */
  remoteStatus(): RemoteStatus {
    return current().remote;
  },

  checkpoint(): Promise<Outcome<SnapshotInfo | null>> {
    return outcome(() => current().checkpoint());
  },

  /** store.persist(): asks the browser for persistent storage. */
  persist(): Promise<boolean> {
    return current().persist();
  },

  /** navigator.storage.persisted() of the page itself, not through tidemark. */
  persisted(): Promise<boolean> {
    return navigator.storage.persisted();
  },

  /** The snapshot records of database `name`, read straight from IndexedDB, oldest first. */
  rawSnapshots(name: string): Promise<RawSnapshot[]> {
    return withRawDatabase(name, async (db) =>
      (await readAll(db, 'snapshots')).map((value) => {
        const record = value as { seq: number; kind: string; version: number; codec: string; rawBytes: number; hash: string; bytes: unknown };
        const bytes = record.bytes instanceof Uint8Array ? record.bytes : new Uint8Array(0);
        return {
          seq: record.seq,
          kind: record.kind,
          version: record.version,
          codec: record.codec,
          rawBytes: record.rawBytes,
          hash: record.hash,
          bytesAreUint8Array: record.bytes instanceof Uint8Array,
          byteLength: bytes.byteLength,
          head: [...bytes.subarray(0, 4)],
        };
      }),
    );
  },

  /** The journal records of database `name`, read straight from IndexedDB, oldest first. */
  rawJournal(name: string): Promise<RawJournalRecord[]> {
    return withRawDatabase(name, async (db) =>
      (await readAll(db, 'journal')).map((value) => {
        const record = value as { seq: number; last: number; version: number; commits: Array<{ seq: number; events: unknown[] }> };
        return {
          seq: record.seq,
          last: record.last,
          version: record.version,
          commitSeqs: record.commits.map((c) => c.seq),
          eventsPerCommit: record.commits.map((c) => c.events.length),
        };
      }),
    );
  },

  /**
   * Damages the snapshot at `seq` in place, as bit rot would: flips the bits
   * of the middle half of its compressed bytes (the gzip header stays).
   * Returns how many bytes changed.
   */
  damageSnapshot(name: string, seq: number): Promise<number> {
    return withRawDatabase(name, async (db) => {
      const tx = db.transaction('snapshots', 'readwrite');
      const snapshots = tx.objectStore('snapshots');
      const record = (await request(snapshots.get(seq))) as { bytes: Uint8Array } | undefined;
      if (!record) throw new Error(`tm: database "${name}" has no snapshot at seq ${seq}`);
      const bytes = new Uint8Array(record.bytes);
      const from = Math.floor(bytes.length / 4);
      const to = Math.floor((bytes.length * 3) / 4);
      for (let i = from; i < to; i++) bytes[i] = bytes[i]! ^ 0xff;
      await request(snapshots.put({ ...record, bytes }));
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onabort = () => reject(tx.error ?? new Error('tm: the damaging transaction aborted'));
      });
      return to - from;
    });
  },

  /**
   * Opens database `name` and leaves two readwrite transactions running, one
   * on `journal` and one on `snapshots`, each kept alive by a chain of puts
   * (far from any real key) that never ends: the state in which Chromium,
   * killed, is known to find "invalid locks on disk" and wipe the database.
   * Resolves once both have written.
   */
  async holdTwoWriters(name: string): Promise<void> {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const hold = (storeName: 'journal' | 'snapshots') =>
      new Promise<void>((resolve) => {
        const store = db.transaction(storeName, 'readwrite').objectStore(storeName);
        let n = 0;
        const again = (): void => {
          const req = store.put({ seq: 1e15 + (n % 10), last: 1e15, filler: 'x'.repeat(100) });
          req.onsuccess = () => {
            if (++n === 20) resolve();
            again();
          };
        };
        again();
      });
    await Promise.all([hold('journal'), hold('snapshots')]);
  },

  /** Deletes database `name` behind the store's back, as the browser does when it wipes it (the worker must be gone). */
  deleteDatabaseBehindTheStore(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error(`tm: deleting "${name}" is blocked by an open connection`));
    });
  },

  /** Deletes the store on purpose, with tidemark's deleteStore. */
  deleteStore(name: string): Promise<void> {
    return deleteStore(name);
  },

  /** The files of store `name`'s OPFS copy (opfsRemote), by name, with their sizes; empty when there is none. */
  async localCopyFiles(name: string): Promise<Record<string, number>> {
    const files: Record<string, number> = {};
    try {
      let dir = await navigator.storage.getDirectory();
      for (const part of ['tidemark', 'copies', encodeURIComponent(name)]) dir = await dir.getDirectoryHandle(part);
      for await (const [file, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
        if (handle.kind === 'file') files[decodeURIComponent(file)] = (await (handle as FileSystemFileHandle).getFile()).size;
      }
    } catch {
      // no copy
    }
    return files;
  },

  /**
   * Leaves file `key` of store `name`'s OPFS copy as a kill in the middle of
   * its write would: the length in front says 1000 bytes, 10 follow.
   */
  async tearLocalCopyFile(name: string, key: string): Promise<void> {
    let dir = await navigator.storage.getDirectory();
    for (const part of ['tidemark', 'copies', encodeURIComponent(name)]) dir = await dir.getDirectoryHandle(part);
    const bytes = new Uint8Array(18);
    bytes.set([0x54, 0x4d, 0x43, 0x31], 0); // "TMC1"
    new DataView(bytes.buffer).setUint32(4, 1000);
    const writable = await (await dir.getFileHandle(encodeURIComponent(key), { create: true })).createWritable();
    await writable.write(bytes);
    await writable.close();
  },

  /** True when tidemark's mark that store `name` holds data exists in the Origin Private File System. */
  async hasDataMarker(name: string): Promise<boolean> {
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('tidemark');
      await dir.getFileHandle(`${encodeURIComponent(name)}.has-data`);
      return true;
    } catch {
      return false;
    }
  },
};

export type EnginePageApi = typeof api;

/** The page's window, as the test sees it inside page.evaluate. */
export interface EngineWindow {
  tm: EnginePageApi;
}

(window as unknown as EngineWindow).tm = api;
