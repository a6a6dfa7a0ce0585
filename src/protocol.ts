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
 * Bumped whenever a message changes shape. The page sends it in its hello,
 * and a worker from another build refuses the connection.
 */
export const PROTOCOL_VERSION = 7; // 3: history, stateAt, verify, rewind, rewinds, backups; 4: stats().storage, remote status in sync mode; 5: one MessagePort for everything, no Comlink; 6: the draft; 7: a draft's commits sent after its JSON

/**
 * Where a page reaches a worker: the Worker itself, or one end of a
 * MessageChannel (tests, or a worker that serves several things).
 */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  /** A MessagePort's: starts delivering messages to listeners added with addEventListener. */
  start?(): void;
}

/**
 * The one message a page posts to the worker itself: everything after it
 * goes over `port`, whose other end the page keeps. A worker answers it
 * with call 0's answer (a HelloReply, or why it refuses).
 */
export interface HelloMessage {
  type: 'tidemark:hello';
  request: HelloRequest;
  port: MessagePort;
}

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
  /**
   * The state as JSON: one string posts ~10× faster than the object
   * (DESIGN.md). Left out when it is the `draft` this page was sent.
   */
  stateJson?: string;
  report: LoadReport;
  remote: RemoteStatus;
}

/**
 * Sent by the page on its port. One port in each direction keeps order: an
 * awaited commit costs one message each way (it is confirmed by the
 * `commits` message every page gets), and the goodbye is answered after
 * every confirmation it waits for.
 */
export type PageMessage =
  /** The commits made in one task (each atomic on its own): one message instead of thousands during a burst. */
  | { type: 'commit'; commits: CommitCall[]; options: CommitOptions }
  /** A call of WorkerApi, answered by an `answer` with the same id. */
  | { [M in keyof WorkerApi]: { type: 'call'; id: number; method: M; args: Parameters<WorkerApi[M]> } }[keyof WorkerApi]
  /** Answered with `bye` once this page's commits are durable; the worker stops using the port. */
  | { type: 'goodbye' };

/** Sent by the worker on a page's port; changes come in seq order. */
export type WorkerChange =
  /** What call `id` returned, or threw (id 0: the hello). */
  | { type: 'answer'; id: number; value: unknown }
  | { type: 'answer'; id: number; error: WireError }
  /**
   * Before the hello's answer: the state while the worker still checks it (a
   * snapshot's hash), as the snapshot's JSON and the commits after it, so
   * the page parses and applies them meanwhile. It is the state only if the
   * answer then leaves out `stateJson`. Without `stateJson`: more commits
   * of the draft sent before (a hydration sends the snapshot's JSON as soon
   * as it is decompressed, and the commits once every segment is checked).
   */
  | { type: 'draft'; stateJson?: string; commits: CommitRecord[] }
  /** New durable commits: this page's own (which confirms them), and other tabs'. */
  | { type: 'commits'; commits: CommitRecord[] }
  /** One of this page's commits was not written. */
  | { type: 'rejected'; origin: string; error: WireError }
  /** The answer to `goodbye`: every commit sent before it is settled. */
  | { type: 'bye' }
  /** The worker rebuilt its state (it fell behind a trimmed journal, or restored from the remote): start over from this; `report` is a restore's. */
  | { type: 'reset'; seq: number; stateJson: string; report?: LoadReport }
  /** The worker's store closed (e.g. another tab is deleting the database); commits will fail with `CLOSED`. */
  | { type: 'closed'; reason: string }
  /** The remote uploader's status changed. */
  | { type: 'remote'; status: RemoteStatus };

/** The calls a worker started by `serveStore` answers (PageMessage `call`). */
export interface WorkerApi {
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
