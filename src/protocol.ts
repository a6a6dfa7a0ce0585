import type { AnyEvent } from './apply-events.js';
import type { WireError } from './error-transfer.js';
import type {
  CommitOptions,
  CommitRecord,
  HistoryOptions,
  HistoryPage,
  ImportOptions,
  ImportResult,
  LoadReport,
  RemoteStatus,
  RestoreOptions,
  RestoreResult,
  RewindResult,
  SnapshotInfo,
  StoreStats,
  VerifyResult,
} from './types.js';

/**
 * Bumped whenever WorkerApi or WorkerChange changes shape. The page sends it
 * in `hello`, and a worker from another build refuses the connection.
 */
export const PROTOCOL_VERSION = 5; // 3: history, stateAt, verify, rewind, rewinds, backups; 4: stats().storage, remote status in sync mode; 5: commits and goodbye on the port

/** One commit as the page sends it. */
export interface CommitCall {
  events: AnyEvent[];
  /** `<client id>:<n>`: comes back in the WorkerChange that confirms it. */
  origin: string;
}

/** What the page sends first. */
export interface HelloRequest {
  protocol: number;
  name: string;
  version: number;
}

/** What the worker answers: the confirmed state to start the mirror from. */
export interface HelloReply {
  /** A fresh id for this page's commits' origins. */
  clientId: string;
  seq: number;
  /** The state as JSON: one string posts ~10× faster than the object (DESIGN.md). */
  stateJson: string;
  report: LoadReport;
  remote: RemoteStatus;
}

/**
 * Sent by the page on the port given in `hello`: its commits, and the
 * goodbye that follows them. Not over Comlink: an awaited commit costs one
 * message each way (it is confirmed by the `commits` change every page
 * gets), and the goodbye's answer comes after every confirmation it waits for.
 */
export type PageMessage =
  /** The commits made in one task (each atomic on its own): one message instead of thousands during a burst. */
  | { type: 'commit'; commits: CommitCall[]; options: CommitOptions }
  /** Answered with `bye` once this page's commits are durable; the worker stops using the port. */
  | { type: 'goodbye' };

/** Pushed by the worker on the port given in `hello`, in seq order. */
export type WorkerChange =
  /** New durable commits: this page's own (which confirms them), and other tabs'. */
  | { type: 'commits'; commits: CommitRecord[] }
  /** One of this page's commits was not written. */
  | { type: 'rejected'; origin: string; error: WireError }
  /** The answer to `goodbye`: every commit sent before it is settled. */
  | { type: 'bye' }
  /** The worker rebuilt its state (it fell behind a trimmed journal): start over from this. */
  | { type: 'reset'; seq: number; stateJson: string }
  /** The worker's store closed (e.g. another tab is deleting the database); commits will fail with `CLOSED`. */
  | { type: 'closed'; reason: string }
  /** The remote uploader's status changed. */
  | { type: 'remote'; status: RemoteStatus };

/** What a worker started by `serveStore` answers, over Comlink. */
export interface WorkerApi {
  /** Checks versions, then listens for PageMessages and pushes WorkerChanges on `changes`. */
  hello(request: HelloRequest, changes: MessagePort): Promise<HelloReply>;
  /** `'manual'` always writes (if anything changed); `'hidden'` only if the cooldown allows. */
  checkpoint(reason: 'manual' | 'hidden'): Promise<SnapshotInfo | null>;
  stats(): Promise<StoreStats>;
  /** Reads commits other tabs wrote (they announce them, but a tab closed mid-write cannot). */
  catchUp(): Promise<void>;
  /** The confirmed state, for a page whose mirror lost track. */
  state(): Promise<{ seq: number; stateJson: string }>;
  /** Resolves once the remote holds every commit durable so far (see Engine.whenUploaded). */
  whenUploaded(): Promise<void>;
  /** Replaces the device's data with the remote's newest state (see Engine.restoreFromRemote). */
  restoreFromRemote(options: RestoreOptions): Promise<RestoreResult>;
  /** One page of the retained commits (see Store.history). */
  history(options: HistoryOptions): Promise<HistoryPage>;
  /** The state after `seq`, as JSON (see Store.stateAt). */
  stateAt(seq: number): Promise<string>;
  /** Replays history and checks the stored hashes (see Store.verify). */
  verify(): Promise<VerifyResult>;
  /** Makes the state after `toSeq` current as a new commit (see Store.rewind). */
  rewind(toSeq: number): Promise<RewindResult>;
  /** The rewind safety snapshots, newest first. */
  rewinds(): Promise<SnapshotInfo[]>;
  /** A backup file of the store (see Store.exportBackup). */
  exportBackup(): Promise<Blob>;
  /** Imports a backup file (see Store.importBackup). */
  importBackup(file: Blob, options: ImportOptions): Promise<ImportResult>;
}
