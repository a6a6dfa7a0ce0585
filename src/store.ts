import type { Subscribe } from './listeners.js';
import type {
  CommitOptions,
  CommitResult,
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
 * A store, as `connectStore` (page, through the worker) and `openStore`
 * (same thread) return it. `S` is the state, `E` the union of its events.
 */
export interface Store<S, E> {
  /** The current state, synchronously. On the page it includes commits not yet durable (optimistic). */
  getState(): S;
  /**
   * `subscribe(listener)` calls `listener(state, previous)` after every change
   * of the state or of `pendingCommits`. `subscribe(selector, listener, isEqual?)`
   * calls `listener(slice, previousSlice)` only when `selector(state)` changes
   * (`Object.is` unless `isEqual` says otherwise). Both return the function
   * that unsubscribes.
   */
  readonly subscribe: Subscribe<S>;
  /**
   * Applies the events, in order, as one atomic commit and appends it to the
   * journal. Resolves with its seq once durable; rejects with a TidemarkError
   * (`UNKNOWN_EVENT`, `NOT_PLAIN_DATA`, `REDUCER_THREW`, `QUOTA_EXCEEDED`,
   * `CLOSED`…) and then nothing of it was applied or written. Commits made
   * in the same task travel to the worker together, are written in one
   * transaction, and resolve together.
   */
  commit(...events: E[]): Promise<CommitResult>;
  /** `commit` with per-commit options, e.g. `{ durability: 'relaxed' }`. */
  commitWith(options: CommitOptions, ...events: E[]): Promise<CommitResult>;
  /**
   * Writes a snapshot now (kind `manual`) and trims behind the retention
   * window. Resolves with the snapshot, the newest one if nothing changed
   * since it, or null for a store never written.
   */
  checkpoint(): Promise<SnapshotInfo | null>;
  /** Seq, journal and snapshot sizes, state hash, the last load report, and the origin's `storage`. */
  stats(): Promise<StoreStats>;
  /**
   * Asks the browser to keep this origin's data under storage pressure
   * (`navigator.storage.persist()`) and resolves with whether it is
   * persistent now. Chromium decides silently (engagement, an installed app),
   * Firefox prompts the user, Safari grants it to apps added to the Home
   * Screen. Call it from a click, after the user has put something in. Resolves
   * false where the API does not exist (Node); never rejects.
   */
  persist(): Promise<boolean>;
  /** How many commits are not durable yet: show "saving…" while this is above 0. */
  readonly pendingCommits: number;
  /** Resolves once every commit made so far is durable (or rejected). */
  whenSaved(): Promise<void>;
  /**
   * The remote backup: `status` (`'off'` without a remote), `uploadedSeq`,
   * `pendingCommits` (durable but not uploaded) and `lastError`. Listeners
   * are called when it changes.
   */
  readonly remote: RemoteStatus;
  /**
   * Resolves once the remote holds every commit made so far. Rejects with
   * `REMOTE_DENIED`, `REMOTE_FAILED` or `REMOTE_CONFLICT` if uploads stop on
   * an error (and at once when the store has no remote).
   */
  whenUploaded(): Promise<void>;
  /**
   * Replaces this device's data with the newest state in the remote (a device
   * whose history diverged, or whose data is not trusted). Downloads first:
   * if that fails, nothing changes. Other tabs' stores close, as when the
   * database is cleared. Rejects with `REMOTE_CONFLICT` when the device has
   * commits the bucket lacks, unless `{ discardLocal: true }`.
   */
  restoreFromRemote(options?: RestoreOptions): Promise<RestoreResult>;
  /**
   * One page of the retained commits, newest first (seq, time, origin,
   * events), read in the worker without touching the live state. Pass the
   * page's `next` as `fromSeq` to read on.
   * @throws TidemarkError `HISTORY_OUT_OF_RANGE` when `fromSeq` is outside `window` (its details say what is kept).
   */
  history(options?: HistoryOptions): Promise<HistoryPage>;
  /**
   * The state after commit `seq`, rebuilt in the worker from the nearest
   * snapshot at or before it plus the journal; the live state is not
   * touched. Any seq of `history().window`, or of a rewind safety snapshot.
   * @throws TidemarkError `HISTORY_OUT_OF_RANGE`, `DATA_DAMAGED`.
   */
  stateAt(seq: number): Promise<S>;
  /**
   * Replays the history from the oldest retained snapshot and checks that the
   * state at every later snapshot's seq, and the head, hash as they did when
   * written live. A divergence means a reducer is not deterministic or mutates
   * its input; `divergence.message` says so, with the commits in between.
   */
  verify(): Promise<VerifyResult>;
  /**
   * Makes the state after `toSeq` current again: a safety snapshot of the
   * current state is written (kind `rewind`, kept `retention.rewindMs`),
   * then a new commit sets the old state, so history stays append-only and
   * every tab (and the remote) sees it like any commit. Undo it with
   * `rewind(result.safetySnapshot.seq)`. Commits made before the call are
   * saved first.
   * @throws TidemarkError `HISTORY_OUT_OF_RANGE` for a seq neither in the window nor a rewind snapshot's.
   */
  rewind(toSeq: number): Promise<RewindResult>;
  /** The rewind safety snapshots kept, newest first: `rewind(seq)` to one of them undoes that rewind. */
  rewinds(): Promise<SnapshotInfo[]>;
  /**
   * A backup file (gzip) of the store: a header with the store's name,
   * version, seq range and hashes, its newest snapshot and the journal after
   * it. Give it to `importBackup` on another profile or device.
   */
  exportBackup(): Promise<Blob>;
  /**
   * Imports a file from `exportBackup`, verified whole first. Into an empty
   * store it loads the file's history (same seqs, same hash); with
   * `{ replace: true }` a store with commits gets a safety snapshot and then
   * the file's state as a new commit.
   * @throws TidemarkError `BACKUP_INVALID` (truncated, altered, foreign, another store's: nothing changed),
   * `STORE_NOT_EMPTY` without `replace`, `VERSION_AHEAD`, `MIGRATION_MISSING`.
   */
  importBackup(file: Blob, options?: ImportOptions): Promise<ImportResult>;
  /** The seq of the newest durable commit this store knows of. */
  readonly confirmedSeq: number;
  /** The state without pending commits (on the page; `openStore`'s state has none). */
  getConfirmedState(): S;
  /**
   * Why the store stopped, or null while it works: `close()` was called, the
   * worker failed, or the database was closed under it (e.g. another tab
   * deletes it). Listeners are called when it changes.
   */
  readonly closedReason: string | null;
  /** How the state was rebuilt when the store opened, or by the latest restore from the remote. */
  readonly loadReport: LoadReport;
  /** Finishes pending commits, writes a last snapshot if needed, and closes. Later calls reject with `CLOSED`. */
  close(): Promise<void>;
}
