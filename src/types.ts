// Shapes shared by the page and the worker: what the store reports and what
// a committed commit looks like.
import type { DataLoss } from './data-loss.js';

/** One event as journaled: `{ type, ...payload }`. */
export interface StoredEvent {
  type: string;
  [field: string]: unknown;
}

/** A durable commit, as the worker reports it. */
export interface CommitRecord {
  /** The commit's sequence number; seqs run 1, 2, 3… with no gaps. */
  seq: number;
  /** Epoch ms when the worker accepted it. */
  at: number;
  events: StoredEvent[];
  /** Who made it (`<client id>:<n>`); lets a page match confirmations to its pending commits. */
  origin: string;
}

/** What made a snapshot: the checkpoint policy, `checkpoint()`, or a load that migrated or fell back. */
export type SnapshotKind = 'periodic' | 'manual' | 'rewind';

/** A snapshot as `stats()` lists it. */
export interface SnapshotInfo {
  seq: number;
  at: number;
  kind: SnapshotKind;
  version: number;
  /** Compressed size. */
  bytes: number;
  /** Size of the JSON before compression. */
  rawBytes: number;
  hash: string;
}

/** How the state was rebuilt when the store opened (or reloaded after falling behind). */
export interface LoadReport {
  /** Seq of the snapshot the load started from; 0 when it replayed from the start. */
  snapshotSeq: number;
  /** Commits read from the journal and applied on top of the snapshot. */
  commitsReplayed: number;
  /** Wall time of the load, in ms. */
  ms: number;
  /** True when the newest snapshot was damaged and an older one (or full replay) was used. */
  fellBack: boolean;
  /** The snapshots that failed to verify, newest first, with why. */
  damaged: Array<{ seq: number; reason: string }>;
  /** Set when the data was written by an older version and migrated. */
  migratedFrom?: number;
  /**
   * Set when the store's data was found gone: the browser deleted the
   * database, or it is empty though it held commits. The store opened empty.
   */
  dataLoss?: DataLoss;
  /**
   * Set when the load replayed past a snapshot's seq (falling back from a
   * damaged one) and the state there did not hash to the hash that snapshot
   * was written with: a reducer is not deterministic or mutates its input,
   * or the stored hash itself is damaged. Run `store.verify()` to find out.
   */
  replayMismatch?: { seq: number; expected: string; actual: string };
  /** `'remote'` when the local database was empty and the state came from the remote (a new device). @default 'local' */
  source?: 'local' | 'remote';
  /** What the download from the remote took, when `source` is `'remote'`. */
  remote?: HydrationReport;
}

/** What hydrating an empty device from the remote did. */
export interface HydrationReport {
  /** Seq of the remote snapshot used; 0 when the log reached back to seq 1. */
  snapshotSeq: number;
  /** Seq of the last commit downloaded. */
  seq: number;
  /** Segments downloaded after the snapshot. */
  segments: number;
  /** Bytes downloaded. */
  bytes: number;
  ms: number;
  /** Remote snapshots that failed to verify and were skipped, newest first. */
  damaged: Array<{ key: string; reason: string }>;
}

/** What `stats()` returns. */
export interface StoreStats {
  name: string;
  version: number;
  /** Seq of the last durable commit. */
  seq: number;
  /** Hash of the current state's JSON (see hashState). */
  hash: string;
  journal: {
    /** Journal records (transactions) kept. */
    records: number;
    /** Commits held by those records. */
    commits: number;
    /** Seq of the oldest commit still in the journal; null when it is empty. */
    firstSeq: number | null;
  };
  /** Kept snapshots, newest first. */
  snapshots: SnapshotInfo[];
  /** Events committed since the newest snapshot. */
  eventsSinceSnapshot: number;
  load: LoadReport;
  /**
   * The last checkpoint failure, if the latest attempt failed: e.g.
   * `NOT_PLAIN_DATA` with `details.path` when the state holds a value JSON
   * does not keep. Committed data is not affected: the journal holds it.
   */
  lastCheckpointError: { code: string; message: string; details: Record<string, unknown> } | null;
  /** The remote uploader (`status: 'off'` without a remote). */
  remote: RemoteStatus;
  /** The origin's storage: what it uses, what it may use, and whether the browser may evict it. */
  storage: StorageStats;
}

/**
 * The origin's storage as the browser reports it (`navigator.storage`), read
 * by the worker. Covers everything the origin stores, not only this store.
 * A field is null where the browser does not say (Node, an insecure context).
 */
export interface StorageStats {
  /** Bytes the origin uses (an estimate; browsers pad it). */
  usage: number | null;
  /** Bytes the origin may use before writes fail with `QUOTA_EXCEEDED` (an estimate). */
  quota: number | null;
  /**
   * True when the browser will not evict the origin's data under storage
   * pressure (see `store.persist()`); false when it may ("best effort").
   */
  persisted: boolean | null;
}

/** What a commit resolves to once durable. */
export interface CommitResult {
  /** The commit's seq in the journal. */
  seq: number;
}

/** Per-commit write options. */
export interface CommitOptions {
  /**
   * `'strict'` resolves once the browser says the data is on disk; `'relaxed'`
   * once it is written to the OS (faster; can be lost on power loss, never torn).
   * @default the store's `durability` option, itself `'strict'` by default
   */
  durability?: 'strict' | 'relaxed';
}

/** Where the remote uploader stands, as `store.remote` and `stats().remote` report it. */
export interface RemoteStatus {
  /**
   * `'off'`: no remote configured. `'idle'`: everything durable is uploaded.
   * `'uploading'`: commits are waiting or going up (also while retrying after
   * a network fault). `'offline'`: the browser is offline; uploads resume when
   * it is back. `'error'`: the server refused (see `lastError`); local commits
   * go on working.
   */
  status: 'off' | 'idle' | 'uploading' | 'offline' | 'error';
  /** The bucket holds every commit through this seq. */
  uploadedSeq: number;
  /** Durable commits not uploaded yet. */
  pendingCommits: number;
  /** The last failure, or null once an upload succeeded after it. `retrying` says whether uploads go on by themselves. */
  lastError: { code: string; message: string; retrying: boolean } | null;
  /** Sync mode: this device's commits that no longer applied on the shared log (newest last; the last 100). */
  rejected?: RejectedCommit[];
  /** Sync mode: when this device last finished a sync (pulled the log, and pushed what it had), epoch ms. */
  syncedAt?: number;
}

/**
 * Sync mode: a commit made on this device that no longer applies once
 * other devices' commits came before it (its reducer threw on the new
 * base): removed from the state, never pushed, and reported here.
 */
export interface RejectedCommit {
  origin: string;
  /** When it was made on this device. */
  at: number;
  events: StoredEvent[];
  /** The reducer's error, as a TidemarkError's code and message. */
  error: { code: string; message: string };
}

/** Options of `store.restoreFromRemote()`. */
export interface RestoreOptions {
  /**
   * Restore even though this device has commits the bucket does not: they are
   * discarded (and counted in the result).
   * @default false
   */
  discardLocal?: boolean;
  /**
   * Bring back the state after this seq (a point the bucket holds) as a new
   * commit on top of the current history, after a safety snapshot, as
   * `rewind` does: nothing is deleted, here or in the bucket, and
   * `rewind(safetySnapshot.seq)` undoes it.
   * @default the newest state in the bucket, replacing the device's data
   */
  atSeq?: number;
}

/** What `store.restoreFromRemote()` did. */
export interface RestoreResult {
  /** The seq the device is at now: the remote's newest, or the new commit's with `atSeq`. */
  seq: number;
  /** Commits this device had that the bucket did not, now gone (0 unless `discardLocal`; always 0 with `atSeq`). */
  discarded: number;
  report: HydrationReport;
  /** With `atSeq`: the snapshot of the state before, kind 'rewind'; `rewind(safetySnapshot.seq)` undoes the restore. */
  safetySnapshot?: SnapshotInfo | null;
}

/** Options of `store.history()`. */
export interface HistoryOptions {
  /**
   * The newest seq to list (the page starts there and goes back). Pass the
   * previous page's `next` to read on.
   * @default the newest commit
   */
  fromSeq?: number;
  /**
   * Most commits in one page.
   * @default 50
   */
  limit?: number;
}

/**
 * What the database still holds of the past: the state after any seq from
 * `firstSeq` to `lastSeq` can be rebuilt (`stateAt`, `rewind`), and the
 * commits `firstSeq + 1` … `lastSeq` can be listed (`history`). Retention
 * (`retention.snapshots`) decides how far back it reaches.
 */
export interface HistoryWindow {
  firstSeq: number;
  lastSeq: number;
}

/** One page of `store.history()`. */
export interface HistoryPage {
  /**
   * Retained commits, newest first, their events brought to the current
   * version. A built-in `@tidemark/state` event (a rewind or an import) is
   * listed without its `json`, which holds a whole state.
   */
  commits: CommitRecord[];
  /** `fromSeq` of the next (older) page, or null when this one reached `window.firstSeq`. */
  next: number | null;
  window: HistoryWindow;
}

/** Where `verify()` found replay and the stored hashes to disagree. */
export interface ReplayDivergence {
  /** The seq whose replayed state differs. */
  seq: number;
  /** The hash stored at that seq (a snapshot's, or the live state's). */
  expected: string;
  /** The hash of the replayed state. */
  actual: string;
  /** What `expected` comes from. */
  against: 'snapshot' | 'live';
  /** The commits replayed since the last seq that matched (at most 100, the newest kept). */
  commits: CommitRecord[];
  /** What it means and what to do. */
  message: string;
}

/** What `store.verify()` found. */
export interface VerifyResult {
  /** True when every checked hash matched. */
  ok: boolean;
  /** The seq replay started from (the oldest usable snapshot, or 0). */
  fromSeq: number;
  /** The last seq replayed. */
  throughSeq: number;
  commitsReplayed: number;
  /** Seqs of the snapshots whose hash was checked (and matched, up to a divergence). */
  snapshotsChecked: number[];
  /** True when the replayed head was compared with the live state too. */
  liveChecked: boolean;
  /** The first divergence, or null. */
  divergence: ReplayDivergence | null;
  ms: number;
}

/** What `store.rewind()` did. */
export interface RewindResult {
  /** Seq of the new commit that made the old state current. */
  seq: number;
  /** The seq whose state is now current. */
  toSeq: number;
  /** The safety snapshot of the state before the rewind (`rewind(safety.seq)` undoes it); null for a store never written. */
  safetySnapshot: SnapshotInfo | null;
}

/** Options of `importBackup`. */
export interface ImportOptions {
  /**
   * Replace a store that already holds commits: a safety snapshot of its
   * state is written first (listed by `rewinds()`), then the backup's state
   * becomes current as a new commit. Without it, importing into a store that
   * is not empty fails with `STORE_NOT_EMPTY` and nothing changes.
   * @default false
   */
  replace?: boolean;
}

/** What `importBackup` did. */
export interface ImportResult {
  /** `'loaded'`: the empty store now holds the backup's snapshot and journal, seqs and all. `'replaced'`: its state became current as a new commit. */
  mode: 'loaded' | 'replaced';
  /** The store's seq now. */
  seq: number;
  /** hashState of the state now: equal to the exporting store's at `backup.lastSeq`. */
  hash: string;
  /** The seq range the file held. */
  backup: { store: string; version: number; firstSeq: number; lastSeq: number; exportedAt: number };
  /** With `replace`, the safety snapshot of the replaced state. */
  safetySnapshot: SnapshotInfo | null;
}
