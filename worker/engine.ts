import { validateEvents } from '../src/apply-events.js';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { TidemarkError } from '../src/errors.js';
import { hashState } from '../src/hash.js';
import type { CommitOptions, CommitRecord, CommitResult, HistoryOptions, ImportOptions, ImportResult, HistoryPage, LoadReport, RemoteStatus, RestoreOptions, RestoreResult, RewindResult, SnapshotInfo, SnapshotKind, StoreStats, StoredEvent, VerifyResult } from '../src/types.js';
import type { StateEvent } from '../src/state-event.js';
import type { PastState } from './history/state-at.js';
import { Checkpoints } from './checkpoints.js';
import { openDatabase, type Database } from './database.js';
import { FellBehind, writeBatch } from './journal.js';
import { WriterRole } from './writer-role.js';
import { loadState, stateOfLoaded, type Draft, type LoadedState, type OnDraft } from './load.js';
import type { SnapshotRecord } from './records.js';
import { ConfirmedState } from './confirmed-state.js';
import { TabChannel } from './tab-channel.js';
import { listSnapshots, readRetained, writeSnapshot } from './snapshots.js';
import { toTidemarkError } from './storage-errors.js';
import type { Remote } from './remote/remote.js';
import type { Uploader } from './remote/uploader.js';
import type { DeviceOutcome, Shared } from './remote/outbox.js';
import type { OutboxEntry } from './records.js';
import type { Syncer } from './remote/syncer.js';
import type { Download } from './remote/hydrate.js';
import { detectDataLoss, writeDataMarker } from './data-marker.js';
import { TransactionGate } from './transaction-gate.js';
import { readStorage } from './storage-estimate.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** The remote code, loaded only for a store that has a remote (see worker/remote/for-engine.ts). */
type RemoteParts = typeof import('./remote/for-engine.js');

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
  | { type: 'reset'; seq: number; state: unknown; report?: LoadReport }
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

/**
 * The store's engine: the confirmed state, the group-commit queue, checkpoints
 * and catch-up with other tabs. One per store per worker (or per openStore).
 */
export class Engine {
  readonly id = `${Math.random().toString(36).slice(2, 8)}${++engineCount}`;
  private readonly confirmed: ConfirmedState;
  /** The draft the load built the state from (see OnDraft), if any. */
  private readonly draft: Draft | undefined;
  private report: LoadReport;
  private readonly checkpoints: Checkpoints;
  private marking: Promise<void> | null = null;

  private readonly queue: QueuedCommit[] = [];
  private writing: Promise<void> | null = null;
  private writingCount = 0;
  private pumpScheduled = false;
  /** Set while an import writes the database: commits stay queued until it settles. */
  private pausedBy: Promise<unknown> | null = null;
  private catchUpWanted = false;
  private closing: Promise<void> | null = null;
  private closedBecause: string | null = null;
  private commitCount = 0;
  private readonly listeners = new Set<(change: EngineChange) => void>();
  /**
   * Where WebKit needs it, one transaction at a time: commits, checkpoints,
   * reads for the app (stats, history, backups), the uploader's and the
   * syncer's. Not rewinds and imports, whose transactions wait for commits
   * they make themselves.
   */
  private readonly gate = new TransactionGate();
  private readonly tabs: TabChannel | undefined;
  /** Undefined in sync mode (the syncer writes the journal too) and where no lock spans tabs: every write reads the tail. */
  private readonly role: WriterRole | undefined;
  private uploader: Uploader | undefined;
  /**
   * Sync mode: the journal is the shared log, and this device's own commits
   * wait in the outbox until they are in it. `shared` is the journal's
   * state; the confirmed state (what pages see) is the device's: `shared`
   * with the outbox on top, its seq the shared seq plus the outbox's length.
   */
  private syncer: Syncer | undefined;
  private shared: Shared | undefined;
  /** Sync mode: the outbox as the engine last read it, plus its own commits since. */
  private pending: OutboxEntry[] = [];

  private constructor(
    readonly def: AnyDefinition,
    private db: Database,
    loaded: LoadedState,
    private readonly options: EngineOptions,
    private readonly now: () => number,
    private readonly remoteParts: RemoteParts | undefined,
  ) {
    this.confirmed = new ConfirmedState(def, loaded);
    this.draft = loaded.draft;
    this.report = loaded.report;
    this.checkpoints = new Checkpoints(
      {
        def,
        now,
        source: () => this.shared ?? { seq: this.seq, state: this.state },
        write: (record, dropDamaged) => this.writeSnapshot(record, dropDamaged),
        stopped: () => this.closedBecause !== null || this.closing !== null,
      },
      loaded,
    );
    if ((options.broadcast ?? true) && typeof BroadcastChannel === 'function') {
      this.tabs = new TabChannel(def.name, (seq) => seq > this.seq && this.catchUp());
    }
    if (options.remote?.mode === 'sync') {
      this.shared = { state: stateOfLoaded(def, loaded), seq: loaded.seq };
      this.syncer = this.newSyncer(options.remote);
    } else {
      this.role = WriterRole.open(def.name, options.indexedDB ?? globalThis.indexedDB);
      this.uploader = this.newUploader();
      if (loaded.snapshot) this.uploader?.offerSnapshot(loaded.snapshot);
    }
  }

  private newSyncer(remote: Remote): Syncer {
    return new this.remoteParts!.Syncer(remote, {
      db: this.db,
      gate: this.gate,
      def: this.def,
      shared: () => this.shared!,
      pending: () => this.pending,
      catchUp: () => this.catchUpNow(),
      ...(this.options.indexedDB && { device: this.options.indexedDB }),
      now: this.now,
      onStatus: (status) => this.emit({ type: 'remote', status }),
    });
  }

  private newUploader(): Uploader | undefined {
    if (!this.options.remote || this.options.remote.mode === 'sync') return undefined;
    return new this.remoteParts!.Uploader(this.options.remote, {
      db: this.db,
      gate: this.gate,
      storeName: this.def.name,
      seq: () => this.seq,
      checkpoint: () => this.checkpoint('periodic'),
      def: this.def,
      restore: (downloaded) => this.restoreFromRemote({}, downloaded),
      now: this.now,
      onStatus: (status) => this.emit({ type: 'remote', status }),
    });
  }

  /** Opens the database and rebuilds the state; `onDraft` as loadState's. */
  static async open(def: AnyDefinition, options: EngineOptions = {}, onDraft?: OnDraft): Promise<Engine> {
    const indexedDB = options.indexedDB ?? globalThis.indexedDB;
    if (!indexedDB) {
      throw new TidemarkError('STORAGE_FAILED', 'No IndexedDB here. In Node, pass one: openStore(def, { indexedDB: new IDBFactory() }) from fake-indexeddb.');
    }
    const now = options.now ?? Date.now;
    let engine: Engine | undefined;
    let browserSaidLost: string | undefined;
    // The remote code loads while the database opens; first a small part of it, to start a
    // hydration before the rest arrives (see head-start.ts).
    const headStartCode = options.remote ? import('./remote/head-start.js') : undefined;
    const remoteParts = options.remote ? import('./remote/for-engine.js') : undefined;
    headStartCode?.catch(() => {}); // awaited below, unless the open fails first
    remoteParts?.catch(() => {}); // awaited below, unless the open fails first
    const db = await openDatabase(
      def.name,
      indexedDB,
      () => engine?.closeForVersionChange(),
      (message) => (browserSaidLost = message),
    );
    let empty: boolean;
    // Sync mode puts the outbox on top of the loaded state: the draft would rarely be the state.
    const draftTo = options.remote?.mode === 'sync' ? undefined : onDraft;
    try {
      let loaded = await loadState(db, def, now, draftTo);
      empty = loaded.seq === 0 && loaded.snapshotAt === undefined;
      // An empty store hydrates: its first steps start now, while the remote code may still be loading.
      const headStart = empty && headStartCode ? (await headStartCode).startHydration(options.remote!) : undefined;
      // A wiped database is a value here, not yet an error: openStore and connectStore decide
      // (DATA_LOST, or open empty and report). With a remote, an empty store hydrates from it.
      const dataLoss = await detectDataLoss(def.name, browserSaidLost, empty);
      if (empty && remoteParts) loaded = (await (await remoteParts).hydrateIfEmpty(db, def, options.remote!, now, { dataLost: dataLoss !== undefined, ...(headStart && { headStart }), ...(draftTo && { onDraft: draftTo }) })) ?? loaded;
      if (dataLoss) loaded.report = { ...loaded.report, dataLoss: loaded.report.remote ? { ...dataLoss, recoveredThrough: loaded.seq } : dataLoss };
      engine = new Engine(def, db, loaded, options, now, await remoteParts);
    } catch (error) {
      db.close();
      throw toTidemarkError(error, `load store "${def.name}"`);
    }
    // The mark outlives a wipe: it is (re)made for a store with data, and kept
    // after a loss so the loss is reported again until the store is written.
    if (!empty || engine.report.source === 'remote' || engine.report.dataLoss) engine.markData();
    // Pay a migration or a fallback once: the next load starts from here.
    if (engine.report.migratedFrom !== undefined || engine.report.fellBack) await engine.checkpoint('manual', { dropDamaged: true });
    await engine.uploader?.start();
    if (engine.syncer) {
      await engine.catchUpNow(); // the outbox: this device's commits not synced yet
      await engine.syncer.start();
    }
    // After the hellos waiting for the open are answered (they run before the next task).
    engine.confirmed.parseSoon();
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

  /** True while the confirmed state is the one the load built from `draft`: a page that has the draft has the state. */
  isStateOf(draft: Draft): boolean {
    return draft === this.draft && this.confirmed.generation === 0;
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
    return this.enqueue(events as StoredEvent[], origin, options);
  }

  private enqueue(events: StoredEvent[], origin: string | undefined, options: CommitOptions): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        events,
        origin: origin ?? `${this.id}:${++this.commitCount}`,
        strict: (options.durability ?? this.options.durability ?? 'strict') === 'strict',
        resolve,
        reject,
      });
      this.schedulePump();
    });
  }

  /**
   * Commits tidemark's built-in "the state becomes X" event (rewind, import),
   * through the same queue and journal transaction as any commit; strict.
   */
  commitState(event: StateEvent): Promise<CommitResult> {
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    return this.enqueue([event as unknown as StoredEvent], undefined, { durability: 'strict' });
  }

  /** Resolves once every commit queued so far is settled. */
  async whenSaved(): Promise<void> {
    while (this.writing || this.queue.length > 0 || this.pausedBy) {
      this.schedulePump();
      await (this.writing ?? this.pausedBy ?? Promise.resolve());
      await Promise.resolve();
    }
  }

  /** Reads commits other tabs wrote (and, in sync mode, pulls other devices'). */
  catchUp(): void {
    this.catchUpWanted = true;
    this.schedulePump();
    this.syncer?.pull();
  }

  /** Reads what other tabs (or the syncer) wrote, and resolves once done. */
  private async catchUpNow(): Promise<void> {
    this.catchUpWanted = true;
    this.pump();
    await this.whenSaved();
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
    if (this.writing || this.closedBecause || this.pausedBy) return;
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
    if (this.shared) return this.writeToOutbox(batch, durability);
    let outcome;
    if (batch.length > 0) this.role?.want(); // a catch-up only reads
    try {
      const tailKnown = this.role?.knowsTail(this.seq) ?? false;
      const base = { state: this.state, seq: this.seq };
      outcome = await this.gate.run(() => writeBatch(this.db, this.def, base, batch, durability, this.now(), tailKnown));
    } catch (error) {
      return this.batchFailed(error, batch, 'write to the journal');
    }
    this.confirmed.set(outcome.state, outcome.seq);
    const changed = outcome.foreign.length === 0 ? outcome.written : [...outcome.foreign, ...outcome.written];
    this.checkpoints.counted(outcome.eventsApplied, changed[0]?.at);
    this.writingCount = 0; // written: a commit is no longer pending once listeners hear of it
    if (changed.length > 0) this.emit({ type: 'commits', commits: changed });
    outcome.results.forEach((result, i) =>
      typeof result === 'number' ? batch[i]!.resolve({ seq: result }) : batch[i]!.reject(result),
    );
    if (outcome.written.length > 0) {
      this.role?.appended(outcome.seq);
      this.tabs?.announce(this.seq);
      this.markData();
    }
    if (changed.length > 0) this.uploader?.poke();
    this.checkpoints.consider();
  }

  /**
   * Sync mode's commit: the batch goes to the outbox, after reading what
   * other tabs and the syncer wrote. Pages hear of the device's commits in
   * order; when a sync rewrote the device's sequence (other devices' commits
   * before this one's, a rejection), they start over from the state before
   * this batch, then hear of the batch.
   */
  private async writeToOutbox(batch: QueuedCommit[], durability: 'strict' | 'relaxed'): Promise<void> {
    const before = { seq: this.seq, pendingOrigins: this.pending.map((entry) => entry.origin) };
    let outcome: DeviceOutcome;
    try {
      const shared = this.shared!;
      outcome = await this.gate.run(() => this.remoteParts!.writeOutbox(this.db, this.def, shared, batch, durability, this.now()));
    } catch (error) {
      return this.batchFailed(error, batch, 'write to the outbox');
    }
    this.shared = outcome.shared;
    this.checkpoints.counted(outcome.sharedCommits.reduce((sum, commit) => sum + commit.events.length, 0));
    const appended = this.remoteParts!.appendedSince(before, outcome);
    const at = outcome.written[0]?.at ?? 0;
    this.pending = [...outcome.pending, ...outcome.written.map((commit) => ({ origin: commit.origin, at, version: this.def.version, events: commit.events }))];
    const deviceSeq = outcome.shared.seq + outcome.pending.length;
    this.writingCount = 0;
    const afterSeq = deviceSeq + outcome.written.length;
    if (appended) {
      this.confirmed.set(outcome.stateAfter, afterSeq);
      const changed = [...appended, ...outcome.written];
      if (changed.length > 0) this.emit({ type: 'commits', commits: changed });
    } else {
      // Rewritten: pages start over from the state before this batch, then hear of the batch.
      this.confirmed.set(outcome.state, deviceSeq);
      this.emit({ type: 'reset', seq: deviceSeq, state: outcome.state });
      this.confirmed.set(outcome.stateAfter, afterSeq);
      if (outcome.written.length > 0) this.emit({ type: 'commits', commits: outcome.written });
    }
    outcome.results.forEach((result, i) =>
      typeof result === 'number' ? batch[i]!.resolve({ seq: result }) : batch[i]!.reject(result),
    );
    if (outcome.written.length > 0 || outcome.sharedCommits.length > 0) {
      this.tabs?.announce(this.seq);
      this.markData();
    }
    if (outcome.written.length > 0) this.syncer?.poke();
    this.checkpoints.consider();
  }

  /**
   * A batch's transaction failed: behind a journal another tab trimmed, the
   * state is rebuilt and the batch queued again; otherwise its commits reject.
   */
  private async batchFailed(error: unknown, batch: QueuedCommit[], doing: string): Promise<void> {
    if (error instanceof FellBehind) {
      try {
        await this.reload();
        this.queue.unshift(...batch);
        return;
      } catch (reloadError) {
        error = reloadError;
      }
    }
    const mapped = toTidemarkError(error, doing);
    this.writingCount = 0;
    for (const commit of batch) commit.reject(mapped);
  }

  /** Rebuilds the state from the newest snapshot, after another tab trimmed the journal past us. */
  private async reload(): Promise<void> {
    const loaded = await this.gate.run(() => loadState(this.db, this.def, this.now));
    if (this.shared) {
      // Sync mode: the shared log from the snapshot; the outbox goes on top at the next catch-up.
      this.shared = { state: stateOfLoaded(this.def, loaded), seq: loaded.seq };
      this.pending = [];
    }
    this.confirmed.adopt(loaded);
    this.report = loaded.report;
    this.checkpoints.startOver(loaded.eventsReplayed, loaded.snapshotAt ?? loaded.firstCommitAt);
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

  /**
   * Writes a snapshot of the confirmed state (and prunes behind it). Returns
   * the newest snapshot when nothing changed since it, or null for a store
   * that was never written.
   */
  checkpoint(kind: SnapshotKind = 'manual', options: { dropDamaged?: boolean } = {}): Promise<SnapshotInfo | null> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    return this.checkpoints.run(kind, options.dropDamaged ?? false);
  }

  /** A snapshot, if anything changed since the last one and the cooldown allows it (page hidden). */
  checkpointIfCooledDown(): Promise<SnapshotInfo | null> {
    return this.checkpoints.ifCooledDown();
  }

  private async writeSnapshot(record: SnapshotRecord, dropDamaged: boolean): Promise<void> {
    const damaged = dropDamaged ? this.report.damaged.map((d) => d.seq) : [];
    const trimLimit = this.role ? this.role.trimLimit(record.seq) : Infinity;
    const { snapshots, rewindMs } = this.def.retention;
    await this.gate.run(() => writeSnapshot(this.db, record, snapshots, damaged, record.at - rewindMs, trimLimit));
    this.uploader?.offerSnapshot(record);
  }

  async stats(): Promise<StoreStats> {
    if (this.closedBecause) throw this.closedError();
    const storage = readStorage();
    const { journal, snapshots } = await this.gate.run(() => readRetained(this.db));
    return {
      name: this.def.name,
      version: this.def.version,
      seq: this.seq,
      hash: hashState(this.state),
      journal,
      snapshots,
      eventsSinceSnapshot: this.checkpoints.eventsSinceSnapshot,
      load: this.report,
      lastCheckpointError: this.checkpoints.lastError && {
        code: this.checkpoints.lastError.code,
        message: this.checkpoints.lastError.message,
        details: this.checkpoints.lastError.details,
      },
      remote: this.remoteStatus,
      storage: await storage,
    };
  }

  /** One page of the retained commits, newest first (see worker/history/history.ts). */
  history(options: HistoryOptions = {}): Promise<HistoryPage> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    return import('./history/history.js').then(({ readHistory }) => this.gate.run(() => readHistory(this.db, this.def, options)));
  }

  /** The state after commit `seq`, rebuilt from history without touching the live state. */
  stateAt(seq: number): Promise<PastState> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    return import('./history/state-at.js').then(({ stateAt }) => stateAt(this.db, this.def, seq, undefined, this.gate));
  }

  /** Replays history and checks every snapshot's hash, and the live state's (see worker/history/verify.ts). */
  verify(): Promise<VerifyResult> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    return import('./history/verify.js').then(({ verifyReplay }) =>
      verifyReplay(this.db, this.def, () => ({ seq: this.seq, state: this.state }), this.now, this.gate),
    );
  }

  /** Makes the state after `toSeq` current as a new commit, after a safety snapshot (see worker/history/rewind.ts). */
  rewind(toSeq: number): Promise<RewindResult> {
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    return import('./history/rewind.js').then(({ rewindTo }) => rewindTo(this.historyHost(), toSeq));
  }

  /** The rewind safety snapshots kept, newest first: `rewind(seq)` to one of them undoes a rewind. */
  async rewinds(): Promise<SnapshotInfo[]> {
    if (this.closedBecause) throw this.closedError();
    return (await this.gate.run(() => listSnapshots(this.db))).filter((s) => s.kind === 'rewind');
  }

  /** A backup file of the store: its newest snapshot and the journal after it (see worker/backup/backup-file.ts). */
  exportBackup(): Promise<Blob> {
    if (this.closedBecause) return Promise.reject(this.closedError());
    return import('./backup/backup-file.js').then(({ writeBackup }) => this.gate.run(() => writeBackup(this.db, this.def, this.now())));
  }

  /** Loads a backup file into this empty store, or replaces its state with `replace` (see worker/backup/import-backup.ts). */
  importBackup(blob: Blob, options: ImportOptions = {}): Promise<ImportResult> {
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    return import('./backup/import-backup.js').then(({ importInto }) => importInto(
      {
        ...this.historyHost(),
        now: this.now,
        seq: () => this.seq,
        state: () => this.state,
        exclusive: (work) => this.exclusive(work),
        journalIsShared: this.shared !== undefined,
        adopt: (loaded) => this.adoptWritten(loaded),
      },
      blob,
      options,
    ));
  }

  /** What worker/history and worker/backup need of the engine. */
  private historyHost() {
    return {
      db: this.db,
      gate: this.gate,
      def: this.def,
      checkpoint: (kind: SnapshotKind, options?: { dropDamaged?: boolean }) => this.checkpoint(kind, options),
      commitState: (event: StateEvent) => this.commitState(event),
    };
  }

  /** Runs `work` with no commit in flight and none starting until it ends: commits wait behind it, queued. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = (async () => {
      await this.pausedBy?.catch(() => {});
      while (this.writing) await this.writing;
      return work();
    })();
    const settled = run.then(() => {}, () => {}).finally(() => {
      if (this.pausedBy === settled) this.pausedBy = null;
      this.schedulePump();
    });
    this.pausedBy = settled;
    return run;
  }

  /** Starts over from a state this engine just wrote to the database (an import), and tells pages and tabs. */
  private adoptWritten(loaded: LoadedState): void {
    this.confirmed.adopt(loaded);
    this.checkpoints.startOver(0, loaded.snapshotAt ?? this.now());
    this.emit({ type: 'reset', seq: this.seq, state: this.state });
    this.tabs?.announce(this.seq);
    this.markData();
    this.uploader?.poke();
  }

  /** Where the remote uploader stands (`status: 'off'` without a remote). */
  get remoteStatus(): RemoteStatus {
    return (this.syncer ?? this.uploader)?.status ?? { status: 'off', uploadedSeq: 0, pendingCommits: 0, lastError: null };
  }

  /**
   * Replaces this device's data with the newest state in the remote: for a
   * device whose history diverged from the bucket (REMOTE_CONFLICT) or whose
   * data is not trusted. Downloads first (nothing changes if that fails;
   * `downloaded`: done already), then deletes and rewrites the database:
   * other tabs' stores close, as when the database is cleared. A store
   * without a commit is written in place, and its other tabs catch up.
   * Commits queued meanwhile are written after.
   *
   * @throws TidemarkError `REMOTE_CONFLICT` when this device has commits the
   * bucket lacks and `discardLocal` is not set; the download's errors.
   */
  restoreFromRemote(options: RestoreOptions = {}, downloaded?: Download): Promise<RestoreResult> {
    const remote = this.options.remote;
    const loop = this.syncer ?? this.uploader;
    if (!remote || !loop) return Promise.reject(this.noRemote());
    if (this.closedBecause || this.closing) return Promise.reject(this.closedError());
    if (options.atSeq !== undefined) return this.remoteParts!.restoreAtSeq({ ...this.historyHost(), remote, now: this.now }, options.atSeq);
    // Commits wait behind the restore, queued, as behind a write.
    return this.exclusive(async () => {
      // In sync mode what the bucket lacks is the outbox: the device seq is the shared seq plus its length.
      const uploadedSeq = this.shared ? this.shared.seq : loop.status.uploadedSeq;
      const restored = await this.remoteParts!.restoreFromRemote(
        { db: this.db, def: this.def, remote, indexedDB: this.options.indexedDB ?? globalThis.indexedDB, now: this.now },
        { seq: this.seq, uploadedSeq },
        options,
        () => loop.stop(this.closedError()),
        () => this.closeForVersionChange(),
        downloaded,
      );
      this.db = restored.db;
      this.confirmed.adopt(restored.loaded);
      this.report = restored.loaded.report;
      this.checkpoints.startOver(0, restored.loaded.snapshotAt ?? this.now());
      if (this.shared) {
        this.shared = { state: this.state, seq: this.seq };
        this.pending = [];
      }
      this.emit({ type: 'reset', seq: this.seq, state: this.state, report: this.report });
      this.uploader = this.newUploader();
      await this.uploader?.start();
      if (this.shared) {
        this.syncer = this.newSyncer(remote);
        await this.syncer.start();
      }
      this.tabs?.announce(this.seq);
      return restored.result;
    });
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
    if (this.syncer) return this.syncer.whenSynced();
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
      await this.checkpoints.finish(!this.closedBecause);
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
    this.checkpoints.stop();
    this.tabs?.close();
    this.role?.close();
    const error = this.closedError();
    this.uploader?.stop(error);
    this.syncer?.stop(error);
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
