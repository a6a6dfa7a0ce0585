// The contract between the engine and an object store: four calls, keys
// relative to the store's prefix. s3Remote speaks it over the S3 API,
// memoryRemote in memory (tests, demos); another backend (GCS…) implements it.

/** How a remote call failed: decides whether the uploader retries. */
export type RemoteFaultKind =
  /** Network error, timeout, 5xx, 429 / SlowDown: retry with backoff. */
  | 'transient'
  /** 401 / 403: bad, expired or insufficient credentials. */
  | 'denied'
  /** Anything else the server refused (missing bucket, bad request…). */
  | 'failed';

/**
 * What a remote throws. The message names the call and the key, never a URL
 * with a signature or a credential.
 */
export class RemoteFault extends Error {
  override readonly name = 'RemoteFault';
  constructor(
    readonly kind: RemoteFaultKind,
    message: string,
    /** The HTTP status, when there was an answer. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Listing options. */
export interface ListOptions {
  /** Only keys after this one (S3 `start-after`), relative to the prefix. */
  startAfter?: string;
  /** At most this many keys. @default all of them, page by page */
  limit?: number;
}

/**
 * An object store seen through four calls. Keys are relative to the remote's
 * prefix (`snap/00000000000000000042`). Objects are immutable: `create` never
 * overwrites.
 */
export interface Remote {
  /** Where the data goes, for messages and to tell remotes apart, e.g. `s3://bucket/prefix/`; never holds a secret. */
  readonly target: string;
  /** Upload policy of this remote. */
  readonly policy?: RemotePolicy;
  /**
   * `'backup'`: this device uploads its journal (one writer per prefix).
   * `'sync'`: every device of the store appends to one shared log here, and
   * pulls the others' commits (see the README).
   * @default 'backup'
   */
  readonly mode?: 'backup' | 'sync';
  /**
   * Creates `key` with `bytes` unless it exists (`If-None-Match: *`).
   * @returns true when this call created it, false when the key already existed (412 / 409)
   */
  create(key: string, bytes: Uint8Array, signal?: AbortSignal): Promise<boolean>;
  /** The object's bytes, or undefined when there is no such key. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Keys under `prefix` (relative to the remote's prefix), in ascending order. */
  list(prefix: string, options?: ListOptions, signal?: AbortSignal): Promise<string[]>;
  /** Deletes `key`; no error when it does not exist. */
  delete(key: string, signal?: AbortSignal): Promise<void>;
}

/** When and how much the uploader sends. Every field has a default. */
export interface RemotePolicy {
  /**
   * Wait this long after a commit before uploading, so commits made close
   * together travel in one segment.
   * @default 500
   */
  uploadDelayMs?: number;
  /**
   * Most bytes of JSON in one journal segment (a single journal record larger
   * than this still goes, alone).
   * @default 1048576 (1 MiB)
   */
  segmentBytes?: number;
  /**
   * Upload a snapshot once this many commits were uploaded since the last
   * remote snapshot, so a new device replays a bounded log. If no local
   * snapshot is new enough, one is written.
   * @default 10000
   */
  snapshotEveryCommits?: number;
  /**
   * Never force a snapshot for the uploader more often than this.
   * @default 60000
   */
  snapshotCooldownMs?: number;
  /**
   * Longest wait between retries after network faults (the wait doubles from
   * 500 ms, with jitter). Also how long uploads pause after the server denied
   * them, before trying again with fresh credentials.
   * @default 60000
   */
  maxBackoffMs?: number;
  /**
   * Sync mode: shared snapshots kept in the bucket; the older ones, and the
   * log segments up to the oldest kept, are deleted by compaction (one
   * device at a time, under a lease) after a device uploads a snapshot.
   * `Infinity` keeps everything.
   * @default 2
   */
  keepSnapshots?: number;
  /**
   * Sync mode: the compaction lease's term; a compaction pass stops when it
   * is over, and another device may break the lease 30 s after it.
   * @default 60000
   */
  compactionLeaseMs?: number;
}

/** RemotePolicy with every default filled in. */
export type ResolvedRemotePolicy = Required<RemotePolicy>;

export const DEFAULT_REMOTE_POLICY: ResolvedRemotePolicy = {
  uploadDelayMs: 500,
  segmentBytes: 1024 * 1024,
  snapshotEveryCommits: 10_000,
  snapshotCooldownMs: 60_000,
  maxBackoffMs: 60_000,
  keepSnapshots: 2,
  compactionLeaseMs: 60_000,
};

/** Normalises a key prefix: no leading slash, one trailing slash unless empty. */
export function normalisePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
