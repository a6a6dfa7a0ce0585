import { validateEvents } from '../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { TidemarkError } from '../src/errors.js';
import { hashState } from '../src/hash.js';
import type { CommitOptions, CommitRecord, CommitResult, LoadReport, RemoteStatus, RestoreOptions, RestoreResult, SnapshotInfo, SnapshotKind, StoreStats, StoredEvent } from '../src/types.js';
import { msUntilCheckpoint } from './checkpoint-policy.js';
import { openDatabase, type Database } from './database.js';
import { FellBehind, writeBatch } from './journal.js';
import { loadState, type LoadedState } from './load.js';
import type { SnapshotRecord } from './records.js';
import { encodeState } from './snapshot-codec.js';
import { ConfirmedState } from './confirmed-state.js';
import { TabChannel } from './tab-channel.js';
import { journalExtent, listSnapshots, writeSnapshot } from './snapshots.js';
import { toTidemarkError } from './storage-errors.js';
import { hydrateIfEmpty, isEmpty, restoreFromRemote } from './remote/hydrate.js';
import type { Remote } from './remote/remote.js';
import { Uploader } from './remote/uploader.js';
import { detectDataLoss, writeDataMarker } from './data-marker.js';
import { readStorage } from './storage-estimate.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Most commits packed into one journal record; bounds one transaction's size. */
export const MAX_COMMITS_PER_RECORD = 10_000;

/** Options of the engine, shared by `openStore` and `serveStore`. */
export interface EngineOptions {
  /**
   * The IndexedDB to use (e.g. a fake-indexeddb `IDBFactory` in tests).
   * @default globalThis.indexedDB
   */
  indexedDB?: IDBFactory;
  /**
   * Default durability of commits.
   * @default 'strict'
   */
  durability?: 'strict' | 'relaxed';
  /**
   * The clock, in epoch ms; the checkpoint policy reads it.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Tell other tabs' workers about new commits over a BroadcastChannel named
   * `tidemark:<store name>`, and listen for theirs.
   * @default true where BroadcastChannel exists
   */
  broadcast?: boolean;
  /**
   * Back the store up to an object store: `s3Remote({...})` from
   * `tidemark/s3`, or any `Remote`. Commits are uploaded after they are
   * durable; a store opened on an empty database first downloads the newest
   * state from it.
   * @default none
   */
  remote?: Remote;
}

/** What the engine tells its listeners, in seq order. */
export type EngineChange =
  | { type: 'commits'; commits: CommitRecord[] }
  | { type: 'reset'; seq: number; state: unknown }
  | { type: 'closed'; reason: string }
  | { type: 'remote'; status: RemoteStatus };

interface QueuedCommit {
  events: StoredEvent[];
  origin: string;
  strict: boolean;
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

let engineCount = 0;
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit; a longer wait is re-checked when it fires

/**
 * The store's engine: the confirmed state, the group-commit queue, checkpoints
 * and catch-up with other tabs. One per store per worker (or per openStore).
 */
export class Engine {
  readonly id = `${Math.random().toString(36).slice(2, 8)}${++engineCount}`;
  private readonly confirmed: ConfirmedState;
  private report: LoadReport;
  private eventsTotal: number;
  private eventsAtSnapshot = 0;
  /**
   * Where the checkpoint cooldown counts from: when the newest snapshot was
   * written or, for a store that has none, when its first commit was made
   * (undefined until then). Never the open time: a page reloaded soon after
   * its first commits must still get its hide-time snapshot.
   */
  private lastSnapshotAt: number | undefined;
  private lastSnapshot: SnapshotInfo | null = null;
  private lastCheckpointError: TidemarkError | null = null;
  private marking: Promise<void> | null = null;

  private readonly queue: QueuedCommit[] = [];
  private writing: Promise<void> | null = null;
  private writingCount = 0;
  private pumpScheduled = false;
  private catchUpWanted = false;
  private checkpointing: Promise<SnapshotInfo | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private closing: Promise<void> | null = null;
  private closedBecause: string | null = null;
  private commitCount = 0;
  private readonly listeners = new Set<(change: EngineChange) => void>();
  private readonly tabs: TabChannel | undefined;
  private uploader: Uploader | undefined;

  private constructor(
    readonly def: AnyDefinition,
    private db: Database,
    loaded: LoadedState,
    private readonly options: EngineOptions,
    private readonly now: () => number,
  ) {
    this.confirmed = new ConfirmedState(loaded);
    this.report = loaded.report;
    this.eventsTotal = loaded.eventsReplayed;
    this.lastSnapshotAt = loaded.snapshotAt ?? loaded.firstCommitAt;
    if ((options.broadcast ?? true) && typeof BroadcastChannel === 'function') {
      this.tabs = new TabChannel(def.name, (seq) => seq > this.seq && this.catchUp());
    }
    this.uploader = this.newUploader();
  }

  private newUploader(): Uploader | undefined {
    if (!this.options.remote) return undefined;
    return new Uploader(this.options.remote, {
      db: this.db,
      storeName: this.def.name,
      seq: () => this.seq,
      checkpoint: () => this.checkpoint('periodic'),
      now: this.now,
      onStatus: (status) => this.emit({ type: 'remote', status }),
    });
  }

  /** Opens the database and rebuilds the state. */
  static async open(def: AnyDefinition, options: EngineOptions = {}): Promise<Engine> {
    const indexedDB = options.indexedDB ?? globalThis.indexedDB;
    if (!indexedDB) {
      throw new TidemarkError('STORAGE_FAILED', 'No IndexedDB here. In Node, pass one: openStore(def, { indexedDB: new IDBFactory() }) from fake-indexeddb.');
    }
    const now = options.now ?? Date.now;
    let engine: Engine | undefined;
    let browserSaidLost: string | undefined;
    const db = await openDatabase(
      def.name,
      indexedDB,
      () => engine?.closeForVersionChange(),
      (message) => (browserSaidLost = message),
    );
    let empty: boolean;
    try {
      empty = await isEmpty(db);
      // A wiped database is a value here, not yet an error: openStore and connectStore decide
      // (DATA_LOST, or open empty and report). With a remote, an empty store hydrates from it.
      const dataLoss = await detectDataLoss(def.name, browserSaidLost, empty);
      const loaded = (empty && options.remote && (await hydrateIfEmpty(db, def, options.remote, now))) || (await loadState(db, def, now));
      if (dataLoss) loaded.report = { ...loaded.report, dataLoss: loaded.report.remote ? { ...dataLoss, recoveredThrough: loaded.seq } : dataLoss };
      engine = new Engine(def, db, loaded, options, now);
    } catch (error) {
      db.close();
      throw toTidemarkError(error, `load store "${def.name}"`);
    }
    // The mark outlives a wipe: it is (re)made for a store with data, and kept
    // after a loss so the loss is reported again until the store is written.
    if (!empty || engine.report.source === 'remote' || engine.report.dataLoss) engine.markData();
    // Pay a migration or a fallback once: the next load starts from here.
    if (engine.report.migratedFrom !== undefined || engine.report.fellBack) await engine.checkpoint('rewind');
    engine.confirmed.parseSoon();
    await engine.uploader?.start();
    return engine;
  }

  private get state(): unknown {
    return this.confirmed.get();
  }

  private get seq(): number {
    return this.confirmed.seq;
  }

  getState(): unknown {
    return this.state;
  }

  /** The state as JSON (what pages are sent); free right after a load from a snapshot. */
  getStateJson(): string {
    return this.confirmed.toJson();
  }

  getSeq(): number {
    return this.seq;
  }

  get loadReport(): LoadReport {
    return this.report;
  }

  /** Why the engine stopped, or null while it works. */
  get closedReason(): string | null {
    return this.closedBecause;
  }

  /** Commits queued or being written. */
  get pendingCommits(): number {
    return this.queue.length + this.writingCount;
  }

  /** Calls `listener` with every change after it; returns the unsubscribe function. */
  subscribe(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Queues one commit. Validation errors reject at once; the commit resolves
   * with its seq after the transaction holding it completes.
   */
  commit(events: readonly unknown[], origin?: string, options: CommitOptions = {}): Promise<CommitResult> {
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    try {
      validateEvents(this.def, events);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        events: events as StoredEvent[],
        origin: origin ?? `${this.id}:${++this.commitCount}`,
        strict: (options.durability ?? this.options.durability ?? 'strict') === 'strict',
        resolve,
        reject,
      });
      this.schedulePump();
    });
  }

  /** Resolves once every commit queued so far is settled. */
  async whenSaved(): Promise<void> {
    while (this.writing || this.queue.length > 0) {
      this.schedulePump();
      await (this.writing ?? Promise.resolve());
      await Promise.resolve();
    }
  }

  /** Reads commits other tabs wrote. */
  catchUp(): void {
    this.catchUpWanted = true;
    this.schedulePump();
  }

  // Commits made in one task are written together: the pump runs a microtask later.
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.writing || this.closedBecause) return;
    if (this.queue.length === 0 && !this.catchUpWanted) return;
    this.writing = this.writeNextBatch().finally(() => {
      this.writing = null;
      this.writingCount = 0;
      this.pump();
    });
  }

  private async writeNextBatch(): Promise<void> {
    const batch = this.queue.splice(0, MAX_COMMITS_PER_RECORD);
    this.writingCount = batch.length;
    this.catchUpWanted = false;
    const durability = batch.some((c) => c.strict) ? 'strict' : 'relaxed';
    let outcome;
    try {
      outcome = await writeBatch(this.db, this.def, { state: this.state, seq: this.seq }, batch, durability, this.now());
    } catch (error) {
      if (error instanceof FellBehind) {
        try {
          await this.reload();
          this.queue.unshift(...batch);
          return;
        } catch (reloadError) {
          error = reloadError;
        }
      }
      const mapped = toTidemarkError(error, 'write to the journal');
      this.writingCount = 0;
      for (const commit of batch) commit.reject(mapped);
      return;
    }
    this.confirmed.set(outcome.state, outcome.seq);
    this.eventsTotal += outcome.eventsApplied;
    const changed = outcome.foreign.length === 0 ? outcome.written : [...outcome.foreign, ...outcome.written];
    this.writingCount = 0; // written: a commit is no longer pending once listeners hear of it
    if (changed.length > 0) this.emit({ type: 'commits', commits: changed });
    this.lastSnapshotAt ??= changed[0]?.at;
    outcome.results.forEach((result, i) =>
      typeof result === 'number' ? batch[i]!.resolve({ seq: result }) : batch[i]!.reject(result),
    );
    if (outcome.written.length > 0) {
      this.tabs?.announce(this.seq);
      this.markData();
    }
    if (changed.length > 0) this.uploader?.poke();
    this.considerCheckpoint();
  }

  /** Rebuilds the state from the newest snapshot, after another tab trimmed the journal past us. */
  private async reload(): Promise<void> {
    const loaded = await loadState(this.db, this.def, this.now);
    this.confirmed.adopt(loaded);
    this.report = loaded.report;
    this.eventsAtSnapshot = this.eventsTotal;
    this.eventsTotal += loaded.eventsReplayed;
    this.lastSnapshotAt = loaded.snapshotAt ?? loaded.firstCommitAt ?? this.lastSnapshotAt;
    this.emit({ type: 'reset', seq: this.seq, state: this.state });
  }

  /**
   * Marks, outside IndexedDB, that this store holds data (once per engine),
   * so an empty database found later is known to be a wipe. Not awaited by
   * commits: the mark only helps detect a loss, the journal is what keeps data.
   */
  private markData(): void {
    this.marking ??= writeDataMarker(this.def.name).catch(() => {}); // no OPFS mark: only the browser's word is left
  }

  private emit(change: EngineChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private considerCheckpoint(): void {
    if (this.checkpointing || this.closedBecause || this.closing) return; // re-considered when it ends
    const wait = msUntilCheckpoint(
      { eventsSinceSnapshot: this.eventsTotal - this.eventsAtSnapshot, lastSnapshotAt: this.lastSnapshotAt ?? this.now(), now: this.now() },
      this.def.checkpoint,
    );
    if (wait === 0) {
      this.checkpoint('periodic').then(
        () => this.considerCheckpoint(),
        () => {}, // kept in lastCheckpointError for stats(); the next commit tries again
      );
    } else if (Number.isFinite(wait) && this.now() + wait < this.timerAt) {
      clearTimeout(this.timer);
      this.timerAt = this.now() + wait;
      this.timer = setTimeout(() => {
        this.timerAt = Infinity;
        this.considerCheckpoint();
      }, Math.min(wait, MAX_TIMER_MS));
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * Writes a snapshot of the confirmed state (and prunes behind it). Returns
   * the newest snapshot when nothing changed since it, or null for a store
   * that was never written.
   */
  checkpoint(kind: SnapshotKind = 'manual'): Promise<SnapshotInfo | null> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    const previous = this.checkpointing ?? Promise.resolve(null);
    const run = previous
      .catch(() => null)
      .then(() => this.writeCheckpoint(kind))
      .finally(() => {
        if (this.checkpointing === run) this.checkpointing = null;
      });
    this.checkpointing = run;
    return run;
  }

  private async writeCheckpoint(kind: SnapshotKind): Promise<SnapshotInfo | null> {
    const eventsAt = this.eventsTotal;
    if (eventsAt === this.eventsAtSnapshot && kind !== 'rewind') return this.lastSnapshot;
    if (this.seq === 0) return null;
    const { seq, state } = this;
    const at = this.now();
    try {
      const encoded = await encodeState(state);
      const record: SnapshotRecord = { seq, at, kind, version: this.def.version, codec: 'json+gzip', ...encoded };
      const damaged = kind === 'rewind' ? this.report.damaged.map((d) => d.seq) : [];
      await writeSnapshot(this.db, record, this.def.retention.snapshots, damaged);
      this.lastSnapshot = { seq, at, kind, version: record.version, bytes: record.bytes.byteLength, rawBytes: record.rawBytes, hash: record.hash };
      this.eventsAtSnapshot = eventsAt;
      this.lastSnapshotAt = at;
      this.lastCheckpointError = null;
      return this.lastSnapshot;
    } catch (error) {
      this.lastCheckpointError = toTidemarkError(error, 'write a snapshot');
      // A failed attempt starts the cooldown too: a state that cannot be written is not retried after every commit.
      if (kind === 'periodic') this.lastSnapshotAt = at;
      throw this.lastCheckpointError;
    }
  }

  /** A snapshot, if anything changed since the last one and the cooldown allows it (page hidden). */
  checkpointIfCooledDown(): Promise<SnapshotInfo | null> {
    const sinceLast = this.now() - (this.lastSnapshotAt ?? this.now());
    if (this.eventsTotal === this.eventsAtSnapshot || sinceLast < this.def.checkpoint.cooldownMs) {
      return Promise.resolve(this.lastSnapshot);
    }
    return this.checkpoint('periodic');
  }

  async stats(): Promise<StoreStats> {
    if (this.closedBecause) throw this.closedError();
    const [journal, snapshots, storage] = await Promise.all([journalExtent(this.db), listSnapshots(this.db), readStorage()]);
    return {
      name: this.def.name,
      version: this.def.version,
      seq: this.seq,
      hash: hashState(this.state),
      journal,
      snapshots,
      eventsSinceSnapshot: this.eventsTotal - this.eventsAtSnapshot,
      load: this.report,
      lastCheckpointError: this.lastCheckpointError && {
        code: this.lastCheckpointError.code,
        message: this.lastCheckpointError.message,
        details: this.lastCheckpointError.details,
      },
      remote: this.remoteStatus,
      storage,
    };
  }

  /** Where the remote uploader stands (`status: 'off'` without a remote). */
  get remoteStatus(): RemoteStatus {
    return this.uploader?.status ?? { status: 'off', uploadedSeq: 0, pendingCommits: 0, lastError: null };
  }

  /**
   * Replaces this device's data with the newest state in the remote: for a
   * device whose history diverged from the bucket (REMOTE_CONFLICT) or whose
   * data is not trusted. Downloads first (nothing changes if that fails),
   * then deletes and rewrites the database: other tabs' stores close, as
   * when the database is cleared. Commits queued meanwhile are written after.
   *
   * @throws TidemarkError `REMOTE_CONFLICT` when this device has commits the
   * bucket lacks and `discardLocal` is not set; the download's errors.
   */
  restoreFromRemote(options: RestoreOptions = {}): Promise<RestoreResult> {
    const remote = this.options.remote;
    if (!remote || !this.uploader) return Promise.reject(this.noRemote());
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    const uploader = this.uploader;
    const run = (async () => {
      await this.writing;
      const restored = await restoreFromRemote(
        { db: this.db, def: this.def, remote, indexedDB: this.options.indexedDB ?? globalThis.indexedDB, now: this.now },
        { seq: this.seq, uploadedSeq: uploader.status.uploadedSeq },
        options,
        () => uploader.stop(this.closedError()),
        () => this.closeForVersionChange(),
      );
      this.db = restored.db;
      this.confirmed.adopt(restored.loaded);
      this.report = restored.loaded.report;
      this.eventsTotal = this.eventsAtSnapshot = 0;
      this.lastSnapshotAt = restored.loaded.snapshotAt ?? this.now();
      this.emit({ type: 'reset', seq: this.seq, state: this.state });
      this.uploader = this.newUploader();
      await this.uploader?.start();
      this.tabs?.announce(this.seq);
      return restored.result;
    })();
    // Commits wait behind the restore, as behind a write.
    this.writing = run.then(() => {}, () => {}).finally(() => {
      this.writing = null;
      this.pump();
    });
    return run;
  }

  private noRemote(): TidemarkError {
    return new TidemarkError('REMOTE_FAILED', `Store "${this.def.name}" has no remote: pass one to serveStore/openStore ({ remote: s3Remote({...}) }).`);
  }

  /**
   * Resolves once the remote holds every commit durable so far. Rejects with
   * `REMOTE_DENIED` / `REMOTE_FAILED` / `REMOTE_CONFLICT` when uploads stop on
   * an error, and at once without a remote (`REMOTE_FAILED`).
   */
  whenUploaded(): Promise<void> {
    if (!this.uploader) return Promise.reject(this.noRemote());
    return this.uploader.whenUploaded(this.seq);
  }

  /**
   * Finishes queued commits, writes a last snapshot if anything changed, and
   * closes the database. Later calls reject with `CLOSED`.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.whenSaved();
      clearTimeout(this.timer);
      if (!this.closedBecause && this.eventsTotal !== this.eventsAtSnapshot) {
        await this.checkpoint('periodic').catch(() => {}); // the journal already holds every commit
      }
      await this.checkpointing?.catch(() => {});
      await this.marking;
      this.shutDown('the store was closed');
    })();
    return this.closing;
  }

  private closeForVersionChange(): void {
    this.shutDown('another connection is deleting or upgrading the database');
  }

  private shutDown(reason: string): void {
    if (this.closedBecause) return;
    this.closedBecause = reason;
    clearTimeout(this.timer);
    this.tabs?.close();
    const error = this.closedError();
    this.uploader?.stop(error);
    this.db.close();
    for (const commit of this.queue.splice(0)) commit.reject(error);
    this.emit({ type: 'closed', reason });
    this.listeners.clear();
  }

  private closedError(): TidemarkError {
    return new TidemarkError(
      'CLOSED',
      `Store "${this.def.name}" is closed (${this.closedBecause ?? 'closing'}). Open it again to keep writing.`,
    );
  }
}
