import type { SnapshotInfo } from '../src/types.js';
import type { Database } from './database.js';
import type { SnapshotRecord } from './records.js';

/**
 * Writes a snapshot, deletes the `damaged` ones and prunes snapshots beyond
 * `keep`; then, once that is durable, trims the journal records behind the
 * oldest snapshot kept — so the journal stays bounded, and any point inside
 * the retention window can still be rebuilt.
 *
 * Two transactions, on purpose: the first (megabytes, strict) touches only
 * `snapshots`, so commits, which write `journal`, do not wait for it; the
 * trim is short. A crash between them leaves an untrimmed journal, which the
 * next checkpoint trims.
 *
 * Rules: the snapshot's seq is a journal record boundary (the engine only
 * ever holds whole records); the trim reads the oldest kept snapshot inside
 * its own transaction, so a snapshot another tab wrote meanwhile is honoured;
 * the newest journal record is never deleted, so a writer can always tell
 * from the journal alone whether others wrote past it.
 */
export async function writeSnapshot(
  db: Database,
  snapshot: SnapshotRecord,
  keep: number,
  damaged: readonly number[] = [],
): Promise<void> {
  const write = db.transaction('snapshots', 'readwrite', { durability: 'strict' });
  // A failed put rejects first, and then `done` too, before it is awaited: that one must not go unhandled.
  write.done.catch(() => {});
  await write.store.put(snapshot);
  // A damaged snapshot must not count toward retention: keeping it would push out a good one.
  const deletes = damaged.filter((seq) => seq !== snapshot.seq).map((seq) => write.store.delete(seq));
  await Promise.all(deletes);
  const keys = await write.store.getAllKeys();
  await Promise.all([...keys.slice(0, Math.max(0, keys.length - keep)).map((key) => write.store.delete(key)), write.done]);
  await trimJournal(db);
}

/** Deletes the journal records behind the oldest snapshot kept, never the newest record. */
async function trimJournal(db: Database): Promise<void> {
  const tx = db.transaction(['snapshots', 'journal'], 'readwrite');
  const [oldestKept, newest] = await Promise.all([
    tx.objectStore('snapshots').getKey(IDBKeyRange.lowerBound(0)),
    tx.objectStore('journal').openKeyCursor(null, 'prev'),
  ]);
  const trimThrough = oldestKept === undefined || !newest ? 0 : Math.min(oldestKept, newest.key - 1);
  if (trimThrough >= 1) await tx.objectStore('journal').delete(IDBKeyRange.upperBound(trimThrough));
  await tx.done;
}

/** The kept snapshots, newest first, without their bytes. */
export async function listSnapshots(db: Database): Promise<SnapshotInfo[]> {
  const infos: SnapshotInfo[] = [];
  // A cursor rather than getAll: it lets us drop each snapshot's bytes as we go.
  let cursor = await db.transaction('snapshots').store.openCursor(null, 'prev');
  while (cursor) {
    const { seq, at, kind, version, bytes, rawBytes, hash } = cursor.value;
    infos.push({ seq, at, kind, version, bytes: bytes.byteLength, rawBytes, hash });
    cursor = await cursor.continue();
  }
  return infos;
}

/** How much journal is kept: records, commits, and the oldest seq. */
export async function journalExtent(db: Database): Promise<{ records: number; commits: number; firstSeq: number | null }> {
  const tx = db.transaction('journal');
  const [records, first, last] = await Promise.all([
    tx.store.count(),
    tx.store.openCursor(),
    tx.store.openCursor(null, 'prev'),
  ]);
  if (!first || !last) return { records, commits: 0, firstSeq: null };
  return { records, commits: last.value.last - first.value.seq + 1, firstSeq: first.value.seq };
}
