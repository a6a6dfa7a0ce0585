/**
 * Every error tidemark raises. `code` is stable and safe to branch on; the
 * message says what happened and what to do about it.
 */
export type TidemarkErrorCode =
  /** The event's `type` has no reducer in the store definition. */
  | 'UNKNOWN_EVENT'
  /** An event holds a value JSON cannot round-trip (Date, Map, undefined, NaN, a class instance, a cycle…). */
  | 'NOT_PLAIN_DATA'
  /** A reducer threw; `details.eventIndex` says which event of the commit. */
  | 'REDUCER_THREW'
  /** The browser refused the write for lack of space. */
  | 'QUOTA_EXCEEDED'
  /** The journal is missing commits between two records. */
  | 'JOURNAL_GAP'
  /** Every snapshot is damaged and the journal no longer reaches back to the start. */
  | 'DATA_DAMAGED'
  /** The browser deleted the store's database (or it is empty though it held data); see `loadReport.dataLoss`. */
  | 'DATA_LOST'
  /** The database was written by a newer `version` of the store than this code. */
  | 'VERSION_AHEAD'
  /** Older data needs a migration step the store definition does not have. */
  | 'MIGRATION_MISSING'
  /** A migration function threw. */
  | 'MIGRATION_FAILED'
  /** The store (or its worker) was closed. */
  | 'CLOSED'
  /** The page and the worker come from different builds of tidemark. */
  | 'PROTOCOL_MISMATCH'
  /** The worker serves another store than the one the page asked for. */
  | 'STORE_MISMATCH'
  /** The worker failed to start or stopped answering. */
  | 'WORKER_FAILED'
  /** The store definition itself is invalid. */
  | 'INVALID_DEFINITION'
  /** IndexedDB failed in a way none of the codes above describe; see `cause`. */
  | 'STORAGE_FAILED'
  /** The remote refused the credentials (403): refresh them; uploads resume by themselves. */
  | 'REMOTE_DENIED'
  /** The remote failed in another way (missing bucket, bad answer, unreachable while it was needed). */
  | 'REMOTE_FAILED'
  /** The remote prefix holds a history that is not this device's (another writer, or a device that started empty offline). */
  | 'REMOTE_CONFLICT'
  /** The server does not honour conditional writes (a second `If-None-Match: *` PUT of one key succeeded): it cannot sequence sync mode. */
  | 'REMOTE_UNSUPPORTED'
  /** The seq asked of `history`, `stateAt` or `rewind` is outside what retention keeps; `details` has the window. */
  | 'HISTORY_OUT_OF_RANGE'
  /** The backup file is truncated, altered, not a tidemark backup, or of another store; the message says which. */
  | 'BACKUP_INVALID'
  /** `importBackup` without `{ replace: true }` into a store that already holds commits. */
  | 'STORE_NOT_EMPTY';

export interface TidemarkErrorOptions {
  /** The underlying error (a DOMException from IndexedDB, a reducer's throw…). */
  cause?: unknown;
  /** Machine-readable facts about the failure, e.g. `{ path: '.when' }`. */
  details?: Record<string, unknown>;
}

/** The one error class tidemark throws. Branch on `code`, not on `message`. */
export class TidemarkError extends Error {
  override readonly name = 'TidemarkError';
  readonly code: TidemarkErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: TidemarkErrorCode, message: string, options: TidemarkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True when `error` is a TidemarkError, optionally with the given code. */
export function isTidemarkError(error: unknown, code?: TidemarkErrorCode): error is TidemarkError {
  return error instanceof TidemarkError && (code === undefined || error.code === code);
}
