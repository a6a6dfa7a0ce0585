import type { Database } from '../database.js';
import { TransactionGate } from '../transaction-gate.js';
import type { JournalRecord } from '../records.js';

type Pending = { records: JournalRecord[]; snapshotSeqs: number[] };

/**
 * The journal records an upload round reads, a batch at a time, one batch
 * ahead: when a step has decided where it ends, the records it read past
 * that point are kept and the rest of the next batch is read at once, while
 * the step's object is compressed and sent. A segment cut short by its
 * size, or a snapshot sent before the records after it, never costs a
 * second read of the same records.
 *
 * Rules: what `read` returns is gapless from its `first`; what was read
 * ahead is used only by a read that starts exactly where it does, else it is
 * read again. The local snapshots' seqs come with each batch, read after
 * the step that planned it ended (a checkpoint it forced is in them).
 * Reads must not overlap (a round plans one step at a time).
 */
export class PendingReader {
  private ahead: { first: number; read: Promise<Pending> } | undefined;

  constructor(
    private readonly db: Database,
    /** Records per batch. */
    private readonly limit: number,
    /** The engine's: the reads wait their turn where the browser needs it. */
    private readonly gate = new TransactionGate(false),
  ) {}

  /** Records from `first` on (about `limit`), and the local snapshots' seqs. */
  read(first: number): Promise<Pending> {
    const ahead = this.ahead;
    this.ahead = undefined;
    return ahead?.first === first ? ahead.read : this.readBatch(first, this.limit);
  }

  /** The next read will start at `next`: those of `records` from there on are kept, and the rest of the batch is read now. */
  readAhead(next: number, records: readonly JournalRecord[]): void {
    const kept = records.filter((record) => record.seq >= next);
    if (kept[0] !== undefined && kept[0].seq !== next) kept.length = 0;
    const from = kept.length > 0 ? kept[kept.length - 1]!.last + 1 : next;
    // At least one record is read, for the snapshots' seqs (and a getAll count of 0 means all).
    const read = this.readBatch(from, Math.max(1, this.limit - kept.length)).then(({ records: more, snapshotSeqs }) => ({
      // Retention may have trimmed past the kept records meanwhile: they stand alone then.
      records: kept.length === 0 ? more : more[0]?.seq === from ? [...kept, ...more] : kept,
      snapshotSeqs,
    }));
    read.catch(() => {}); // a read no step asks for
    this.ahead = { first: next, read };
  }

  /** Forgets what was read ahead (a plan made on a wrong guess). */
  drop(): void {
    this.ahead = undefined;
  }

  private readBatch(first: number, limit: number): Promise<Pending> {
    return this.gate.run(() => readBatch(this.db, first, limit));
  }
}

/**
 * Up to `limit` journal records from `first` on, and the local snapshots'
 * seqs. When the journal does not continue from `first` (retention trimmed
 * it, or the store's first upload starts from a snapshot) a snapshot goes up
 * first, so one record is enough to say so: the batch is read ahead while
 * the snapshot goes up.
 */
async function readBatch(db: Database, first: number, limit: number): Promise<Pending> {
  const tx = db.transaction(['journal', 'snapshots'], 'readonly');
  const journal = tx.objectStore('journal');
  const continues = (await journal.getKey(IDBKeyRange.lowerBound(first))) === first;
  const [records, snapshotSeqs] = await Promise.all([
    journal.getAll(IDBKeyRange.lowerBound(first), continues ? limit : 1),
    tx.objectStore('snapshots').getAllKeys(),
    tx.done,
  ]);
  return { records, snapshotSeqs };
}
