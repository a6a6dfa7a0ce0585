import { readRecord, type Database } from '../database.js';
import type { JournalRecord, UploadCursor } from '../records.js';

const KEY = 'upload';

/** The uploader's cursor for `target`; a fresh one when none was kept, or it was for another remote. */
export async function readCursor(db: Database, target: string): Promise<UploadCursor> {
  const cursor = await readRecord(db, 'remote', KEY);
  return cursor && 'target' in cursor && cursor.target === target ? cursor : { target, through: 0, snapshotSeq: 0 };
}

/**
 * Keeps the cursor. The transaction also spans `journal`, so it never runs
 * beside a commit: Chromium can wipe a database when a crash leaves two
 * readwrite transactions on different stores open (see the reliability notes).
 * Relaxed: a cursor lost to a power cut only means an object is found already
 * uploaded next time, which the uploader recognises.
 */
export async function writeCursor(db: Database, cursor: UploadCursor): Promise<void> {
  const tx = db.transaction(['journal', 'remote'], 'readwrite', { durability: 'relaxed' });
  await Promise.all([tx.objectStore('remote').put(cursor, KEY), tx.done]);
}

/** Journal records from `first` on, at most `limit`, and the keys of the local snapshots, read together. */
export async function readPending(db: Database, first: number, limit: number): Promise<{ records: JournalRecord[]; snapshotSeqs: number[] }> {
  const tx = db.transaction(['journal', 'snapshots'], 'readonly');
  const [records, snapshotSeqs] = await Promise.all([
    tx.objectStore('journal').getAll(IDBKeyRange.lowerBound(first), limit),
    tx.objectStore('snapshots').getAllKeys(),
    tx.done,
  ]);
  return { records, snapshotSeqs };
}
