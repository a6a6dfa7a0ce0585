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
}

/** Options of `store.restoreFromRemote()`. */
export interface RestoreOptions {
  /**
   * Restore even though this device has commits the bucket does not: they are
   * discarded (and counted in the result).
   * @default false
   */
  discardLocal?: boolean;
}

/** What `store.restoreFromRemote()` did. */
export interface RestoreResult {
  /** The seq the device is at now: the remote's newest. */
  seq: number;
  /** Commits this device had that the bucket did not, now gone (0 unless `discardLocal`). */
  discarded: number;
  report: HydrationReport;
}
