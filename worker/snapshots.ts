import type { SnapshotInfo } from '../src/types.js';
import type { IDBPObjectStore, StoreNames } from 'idb';
import type { Database, TidemarkSchema } from './database.js';
import type { SnapshotRecord } from './records.js';

/**
 * Writes a snapshot, deletes the `damaged` ones, prunes snapshots beyond
 * `keep` (except rewind safety snapshots written at or after
 * `keepRewindsSince`, epoch ms), and trims the journal records behind the
 * oldest of the `keep` newest snapshots, all in one transaction — so the journal stays bounded, and any point inside
 * the retention window can still be rebuilt.
 *
 * The transaction spans `journal` too, so it never runs beside a commit:
 * Chromium deletes the whole database on restart when a crash left two
 * readwrite transactions on different object stores open (4 wipes in 100
 * kills with the snapshot written on `snapshots` alone beside commits; see
 * the reliability notes). The snapshot's bytes are made before it starts, so
 * commits wait only for the put itself.
 *
 * Rules: the snapshot's seq is a journal record boundary (the engine only
 * ever holds whole records); the trim reads the oldest kept snapshot inside
 * the transaction, so a snapshot another tab wrote is honoured; the newest
 * journal record is never deleted, so a writer can always tell from the
 * journal alone whether others wrote past it.
 */
export async function writeSnapshot(
  db: Database,
  snapshot: SnapshotRecord,
  keep: number,
  damaged: readonly number[] = [],
  keepRewindsSince = Infinity,
  /** Trim no further than this seq (the writer role's rule, see writer-role.ts). */
  trimLimit = Infinity,
): Promise<void> {
  const tx = db.transaction(['snapshots', 'journal'], 'readwrite', { durability: 'strict' });
  // A failed put rejects first, and then `done` too, before it is awaited: that one must not go unhandled.
  tx.done.catch(() => {});
  const snapshots = tx.objectStore('snapshots');
  await snapshots.put(snapshot);
  // A damaged snapshot must not count toward retention: keeping it would push out a good one.
  await Promise.all(damaged.filter((seq) => seq !== snapshot.seq).map((seq) => snapshots.delete(seq)));
  const keys = await snapshots.getAllKeys();
  const beyond = keys.slice(0, Math.max(0, keys.length - keep));
  // A rewind safety snapshot outlives the count for retention.rewindMs, standing alone (the journal
  // behind it is trimmed as usual). Only snapshots beyond the count are read, to see their kind.
  const kept = await Promise.all(beyond.map(async (key) => {
    const old = await snapshots.get(key);
    return old !== undefined && old.kind === 'rewind' && old.at >= keepRewindsSince;
  }));
  await Promise.all(beyond.filter((_, i) => !kept[i]).map((key) => snapshots.delete(key)));
  const [oldestKept, newest] = await Promise.all([
    keys[Math.max(0, keys.length - keep)],
    tx.objectStore('journal').openKeyCursor(null, 'prev'),
  ]);
  const trimThrough = oldestKept === undefined || !newest ? 0 : Math.min(oldestKept, newest.key - 1, trimLimit);
  if (trimThrough >= 1) await tx.objectStore('journal').delete(IDBKeyRange.upperBound(trimThrough));
  await tx.done;
}

type ReadOnlyStore<N extends StoreNames<TidemarkSchema>> = IDBPObjectStore<TidemarkSchema, ArrayLike<StoreNames<TidemarkSchema>>, N, 'readonly'>;

/** How much journal is kept: records, commits, and the oldest seq. */
export interface JournalExtent {
  records: number;
  commits: number;
  firstSeq: number | null;
}

/** The kept snapshots, newest first, without their bytes. */
export async function listSnapshots(db: Database): Promise<SnapshotInfo[]> {
  const tx = db.transaction('snapshots', 'readonly');
  const [snapshots] = await Promise.all([snapshotInfos(tx.store), tx.done]);
  return snapshots;
}

/** The kept snapshots and the journal's extent, read in one transaction: a checkpoint's trim never falls between. */
export async function readRetained(db: Database): Promise<{ snapshots: SnapshotInfo[]; journal: JournalExtent }> {
  const tx = db.transaction(['journal', 'snapshots'], 'readonly');
  const [snapshots, journal] = await Promise.all([snapshotInfos(tx.objectStore('snapshots')), extentOf(tx.objectStore('journal')), tx.done]);
  return { snapshots, journal };
}

async function snapshotInfos(store: ReadOnlyStore<'snapshots'>): Promise<SnapshotInfo[]> {
  const infos: SnapshotInfo[] = [];
  // A cursor rather than getAll: it lets us drop each snapshot's bytes as we go.
  let cursor = await store.openCursor(null, 'prev');
  while (cursor) {
    const { seq, at, kind, version, bytes, rawBytes, hash } = cursor.value;
    infos.push({ seq, at, kind, version, bytes: bytes.byteLength, rawBytes, hash });
    cursor = await cursor.continue();
  }
  return infos;
}

async function extentOf(journal: ReadOnlyStore<'journal'>): Promise<JournalExtent> {
  const [records, first, last] = await Promise.all([journal.count(), journal.openCursor(), journal.openCursor(null, 'prev')]);
  if (!first || !last) return { records, commits: 0, firstSeq: null };
  return { records, commits: last.value.last - first.value.seq + 1, firstSeq: first.value.seq };
}

/** True when the store's database holds no commit and no snapshot: a new device, cleared or wiped. */
export async function isEmpty(db: Database): Promise<boolean> {
  const tx = db.transaction(['journal', 'snapshots'], 'readonly');
  const [records, snapshots] = await Promise.all([tx.objectStore('journal').count(), tx.objectStore('snapshots').count(), tx.done]);
  return records === 0 && snapshots === 0;
}
