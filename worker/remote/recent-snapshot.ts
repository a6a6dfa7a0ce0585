import type { SnapshotRecord } from '../records.js';

/**
 * The newest local snapshot the engine holds in memory, bytes and all: the
 * one a checkpoint just wrote, or the one a load just read. The uploader
 * sends it from here instead of reading it back from IndexedDB (a large
 * value is a blob file there: tens to hundreds of ms to read).
 *
 * Rules: only a snapshot already durable in IndexedDB is offered (so it is
 * exactly what a read would return, unless a newer one replaced it); one at
 * a time, the newest; it is let go once sent, or once the uploader is past
 * its seq (it would never send it), so it costs memory only while an
 * upload of it is due.
 */
export class RecentSnapshot {
  private record: SnapshotRecord | undefined;

  offer(record: SnapshotRecord): void {
    if (!this.record || record.seq >= this.record.seq) this.record = record;
  }

  /** The snapshot at `seq`, if held; it is let go. */
  take(seq: number): SnapshotRecord | undefined {
    const record = this.record?.seq === seq ? this.record : undefined;
    if (record) this.record = undefined;
    return record;
  }

  /** Lets go of a snapshot at or before `seq`. */
  dropThrough(seq: number): void {
    if (this.record && this.record.seq <= seq) this.record = undefined;
  }
}
