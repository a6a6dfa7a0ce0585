import type { CommitRecord, SnapshotKind, StoredEvent } from '../src/types.js';

// The shapes tidemark keeps in IndexedDB. Changing one is a storage-format
// change: bump STORAGE_FORMAT and teach the loader the old shape.

/** The IndexedDB schema version of tidemark's own stores (not the user's `version`). */
// 2: the `remote` store; 3: the `outbox` store (sync mode); 4: no new store, but writers take the
// writer role (writer-role.ts), and a build from before it, which trims the journal without it, must
// not write beside one that appends without reading: opening at 4 closes its connections.
export const STORAGE_FORMAT = 4;

/** One journal record: every commit written by one transaction. Keyed by `seq`. */
export interface JournalRecord {
  /** The first commit seq in the record (the key). */
  seq: number;
  /** The last commit seq in the record. */
  last: number;
  /** The store `version` the events were written with. */
  version: number;
  commits: CommitRecord[];
}

/** One snapshot: the state after commit `seq`, as gzipped JSON. Keyed by `seq`. */
export interface SnapshotRecord {
  seq: number;
  at: number;
  kind: SnapshotKind;
  /** The store `version` of the state's shape. */
  version: number;
  codec: 'json+gzip';
  bytes: Uint8Array;
  /** Length of the JSON before compression, in bytes. */
  rawBytes: number;
  /** hashText of the JSON; checked on every load. */
  hash: string;
}

/** How far the uploader got with one remote, kept in the `remote` store under 'upload'. */
export interface UploadCursor {
  /** The remote's `target`: a cursor for another bucket or prefix does not count. */
  target: string;
  /** The remote holds every commit through this seq (in segments, or covered by a snapshot). */
  through: number;
  /** Seq of the newest snapshot uploaded; 0 when none. */
  snapshotSeq: number;
  /**
   * The snapshot being uploaded, kept before its upload starts: if the answer
   * is lost and local retention prunes the snapshot meanwhile, the object
   * found in the bucket can still be recognised as ours by its hash.
   */
  sending?: { seq: number; hash: string };
}

/**
 * Sync mode: a commit made on this device and not in the shared log yet,
 * kept in the `outbox` store (auto-increment keys give the device's order).
 */
export interface OutboxEntry {
  /** Unique across devices: how the commit is recognised in the shared log. */
  origin: string;
  at: number;
  /** The store `version` the events were written with. */
  version: number;
  events: StoredEvent[];
}
