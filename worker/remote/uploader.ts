import { TidemarkError } from '../../src/errors.js';
import { readRecord, type Database } from '../database.js';
import type { TransactionGate } from '../transaction-gate.js';
import type { JournalRecord, SnapshotRecord, UploadCursor } from '../records.js';
import { readHeader, readSegmentObject, segmentKey, segmentObject, seqOfKey, snapshotKey, snapshotObject } from './objects.js';
import { RemoteFault, type Remote } from './remote.js';
import { PendingReader } from './pending-reader.js';
import { RecentSnapshot } from './recent-snapshot.js';
import { RemoteLoop, WAITS_FOR_THE_APP, type LoopHost } from './remote-loop.js';
import { readCursor, readPending, writeCursor } from './upload-cursor.js';
import { withUploadLock } from '../device-lock.js';
import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { download, type Download } from './hydrate.js';

/** Journal records read per step; a segment takes as many as fit in `segmentBytes`. */
const RECORDS_PER_READ = 5000;

/**
 * Steps prepared (read, serialised, compressed) ahead of the one being
 * sent: preparing a segment takes longer than its PUT on a fast network,
 * so two are made ahead. Each holds up to `segmentBytes` of JSON.
 */
const STEPS_AHEAD = 2;

/** Objects past the cursor looked at when catching up with the bucket: a crash leaves one or two. */
const RECONCILE_LIMIT = 50;

/** What the uploader needs from its engine. */
export interface UploaderHost extends LoopHost {
  readonly db: Database;
  /** The engine's: every transaction of the uploader waits its turn through it. */
  readonly gate: TransactionGate;
  readonly storeName: string;
  /** Seq of the newest durable commit the engine knows. */
  seq(): number;
  /** Writes a snapshot now, for the uploader (a new device should not replay a long log). */
  checkpoint(): Promise<{ seq: number } | null>;
  /** The store's definition: a late hydration (see reconcile) downloads with it. */
  readonly def: StoreDefinition<unknown, Reducers<unknown>>;
  /** Replaces the store's data with a download (restoreFromRemote): this uploader is stopped and another started. */
  restore(downloaded: Download): Promise<unknown>;
}

/** One thing to send, decided from the cursor, the journal and the local snapshots; `after` is the cursor once it is sent. */
type Step =
  | { type: 'snapshot'; seq: number; after: UploadCursor }
  | { type: 'segment'; records: JournalRecord[]; object: Uint8Array; after: UploadCursor };

/**
 * Uploads the journal and snapshots to the remote, in seq order, resuming
 * from the durable cursor. One upload round at a time per store across tabs
 * (a Web Lock); each object is created with If-None-Match, and an object
 * found already there is compared with the local data: the same → counted
 * as uploaded (a retry, or a crash before the cursor was kept), different →
 * REMOTE_CONFLICT.
 *
 * Rules: a snapshot goes up before the segments after it, and a segment
 * always starts right after the cursor, so the bucket never has a hole that
 * a snapshot does not cover; when local retention trimmed records never
 * uploaded, the newest local snapshot goes up instead of them. Steps are
 * planned ahead, each from the cursor the one before should leave, and one
 * is sent only if the cursor is really there: any other outcome (a
 * reconcile that moved it, an object found already there, a snapshot pruned
 * meanwhile) throws the plans away and plans again from the cursor.
 */
export class Uploader extends RemoteLoop {
  private uploadedSeq = 0;
  private lastForcedAt = -Infinity;
  /** The bucket may hold uploads the cursor does not know of: at the start, and after a failed round. */
  private mustReconcile = true;
  private readonly recent = new RecentSnapshot();
  // Also a bucket whose history a late hydration (see reconcile) cannot take: another try would download the same.
  protected override readonly waitsForTheApp = [...WAITS_FOR_THE_APP, 'DATA_DAMAGED', 'JOURNAL_GAP', 'VERSION_AHEAD', 'MIGRATION_MISSING'];

  constructor(
    remote: Remote,
    private readonly host: UploaderHost,
  ) {
    super(remote, host, 'upload');
  }

  /**
   * Reads the cursor; whatever earlier sessions left goes up `uploadDelayMs`
   * later (at once if someone waits for it), so the upload does not compete
   * with the page's first render.
   */
  async start(): Promise<void> {
    this.uploadedSeq = (await this.idb((db) => readCursor(db, this.remote.target))).through;
    this.setStatus();
    this.schedule(this.policy.uploadDelayMs);
  }

  /** New durable commits exist: upload them after `uploadDelayMs`. */
  poke(): void {
    this.setStatus();
    this.schedule(this.waiting ? 0 : this.policy.uploadDelayMs);
  }

  /**
   * A snapshot the engine has in memory, already durable locally (just
   * written by a checkpoint, or read by the load): sent from memory if it
   * is the next to go up.
   */
  offerSnapshot(record: SnapshotRecord): void {
    this.recent.offer(record);
  }

  /** Resolves once the remote holds every commit through `seq`; rejects if uploads stop on an error. */
  whenUploaded(seq: number): Promise<void> {
    return this.waitFor(() => this.uploadedSeq >= seq);
  }

  protected pendingCommits(): number {
    return this.host.seq() - this.uploadedSeq;
  }

  protected doneThrough(): number {
    return this.uploadedSeq;
  }

  protected override onFailure(): void {
    this.mustReconcile = true;
  }

  protected async work(): Promise<void> {
    await withUploadLock(this.host.storeName, async () => {
      let cursor = await this.idb((db) => readCursor(db, this.remote.target));
      this.advance(cursor.through);
      const reader = new PendingReader(this.host.db, RECORDS_PER_READ, this.host.gate);
      // The first step is prepared while the bucket is checked, and used if the check changes nothing.
      let first = this.nextStep(cursor, reader);
      first.catch(() => {}); // awaited below, unless the check moved the cursor
      if (this.mustReconcile) {
        const reconciled = await this.reconcile(cursor);
        if (this.stopped) return; // restored: a new uploader goes on
        this.mustReconcile = false;
        if (!sameCursor(reconciled, cursor)) {
          await first.catch(() => {});
          reader.drop();
          await this.idb((db) => writeCursor(db, reconciled));
          cursor = reconciled;
          this.advance(cursor.through);
          first = this.nextStep(cursor, reader);
        }
      }
      // A pipeline: while one object goes up, the next STEPS_AHEAD are read,
      // serialised and compressed, one after another (each planned from the
      // cursor the one before leaves, assuming its upload succeeds), and the
      // cursor of the previous one is written.
      let step = await first;
      const ahead: Array<Promise<Step | null>> = [];
      let cursorWritten = Promise.resolve();
      while (step && !this.stopped) {
        while (ahead.length < STEPS_AHEAD) {
          const planned = (ahead[ahead.length - 1] ?? Promise.resolve(step)).then((before) => before && this.nextStep(before.after, reader));
          planned.catch(() => {}); // awaited in turn, unless a guess was wrong
          ahead.push(planned);
        }
        const sent = await this.send(step, cursor);
        await cursorWritten;
        cursor = sent;
        const through = cursor;
        cursorWritten = this.idb((db) => writeCursor(db, through));
        cursorWritten.catch(() => {}); // awaited next time round; a closed store must not leave it unhandled
        this.advance(cursor.through);
        if (sameCursor(sent, step.after)) {
          step = await ahead.shift()!;
        } else {
          await Promise.allSettled(ahead.splice(0));
          reader.drop();
          step = await this.nextStep(cursor, reader);
        }
      }
      await cursorWritten;
      if (!step) this.recent.dropThrough(cursor.through); // up to date: it will not be sent
    });
  }

  /** Runs one transaction of the uploader's when the engine's gate lets it. */
  private idb<T>(work: (db: Database) => Promise<T>): Promise<T> {
    return this.host.gate.run(() => work(this.host.db));
  }

  private advance(through: number): void {
    if (through === this.uploadedSeq) return; // no progress: a retry's start must not clear the last error
    this.uploadedSeq = through;
    this.progressed();
  }

  /** What to upload next, or null when the remote is up to date. */
  private async nextStep(cursor: UploadCursor, reader: PendingReader): Promise<Step | null> {
    const { records, snapshotSeqs } = await reader.read(cursor.through + 1);
    const snapshot = (seq: number): Step => {
      const after = { target: cursor.target, through: Math.max(cursor.through, seq), snapshotSeq: seq };
      reader.readAhead(after.through + 1, records); // the records after it go up next
      return { type: 'snapshot', seq, after };
    };
    const newestSnapshot = snapshotSeqs[snapshotSeqs.length - 1];
    const dueAt = cursor.snapshotSeq + this.policy.snapshotEveryCommits;
    if (records.length === 0) {
      // Every commit is up. A remote snapshot that fell due goes up too (its local one may have
      // been pruned before its turn came): the one at the last seq uploaded, made if need be.
      if (cursor.through < dueAt || cursor.through === cursor.snapshotSeq) return null;
      if (snapshotSeqs.includes(cursor.through)) return snapshot(cursor.through);
      const made = this.host.seq() === cursor.through ? await this.forceSnapshot() : undefined;
      return made === cursor.through ? snapshot(made) : null; // else new commits: the next round
    }

    // Local retention trimmed records never uploaded (or the first upload
    // does not start at seq 1): the newest snapshot covers them.
    if (records[0]!.seq !== cursor.through + 1) {
      if (newestSnapshot === undefined || newestSnapshot < records[0]!.seq - 1) {
        throw new TidemarkError('STORAGE_FAILED', `The journal starts at seq ${records[0]!.seq} and no snapshot covers the commits before it.`);
      }
      return snapshot(newestSnapshot);
    }

    if (cursor.through >= dueAt && cursor.through > cursor.snapshotSeq && snapshotSeqs.includes(cursor.through)) {
      return snapshot(cursor.through);
    }
    // A remote snapshot falls due inside what is pending: end the segment at a local snapshot's seq, so it can go up next.
    const cutAt = snapshotSeqs.find((seq) => seq > cursor.through && seq >= dueAt);
    // None yet: make one and wait for it, rather than upload past the seq it will have.
    if (cutAt === undefined && this.host.seq() >= dueAt && ((await this.forceSnapshot()) ?? 0) >= dueAt) {
      reader.readAhead(cursor.through + 1, records);
      return this.nextStep(cursor, reader);
    }

    const parts: string[] = [];
    const taken: JournalRecord[] = [];
    let bytes = 2;
    for (const record of records) {
      const json = JSON.stringify(record);
      if (taken.length > 0 && bytes + json.length + 1 > this.policy.segmentBytes) break;
      taken.push(record);
      parts.push(json);
      bytes += json.length + 1;
      if (record.last === cutAt) break;
    }
    const after = { target: cursor.target, through: taken[taken.length - 1]!.last, snapshotSeq: cursor.snapshotSeq };
    reader.readAhead(after.through + 1, records); // past the cut: the next segment's
    return { type: 'segment', records: taken, object: await segmentObject(this.host.storeName, taken, `[${parts.join(',')}]`), after };
  }

  /**
   * A snapshot for the uploader, when none is new enough; at most one per
   * `snapshotCooldownMs`. Its seq once written; undefined when the cooldown
   * forbids one now, or it failed (the engine's lastCheckpointError says why).
   */
  private async forceSnapshot(): Promise<number | undefined> {
    if (this.host.now() - this.lastForcedAt < this.policy.snapshotCooldownMs) return undefined;
    this.lastForcedAt = this.host.now();
    return this.host.checkpoint().then(
      (snapshot) => snapshot?.seq,
      () => undefined,
    );
  }

  /** Uploads one step; returns the cursor after it. */
  private async send(step: Step, cursor: UploadCursor): Promise<UploadCursor> {
    const { signal } = this.abort;
    if (step.type === 'snapshot') {
      const record = this.recent.take(step.seq) ?? (await this.idb((db) => readRecord(db, 'snapshots', step.seq)));
      if (!record) return cursor; // pruned meanwhile: the next step picks a newer one
      const key = snapshotKey(step.seq);
      await this.idb((db) => writeCursor(db, { ...cursor, sending: { seq: step.seq, hash: record.hash } }));
      if (!(await this.remote.create(key, snapshotObject(this.host.storeName, record), signal))) {
        await this.checkSameSnapshot(key, record.hash);
      }
      return step.after;
    }
    const first = step.records[0]!.seq;
    const key = segmentKey(first);
    if (await this.remote.create(key, step.object, signal)) return step.after;
    return { target: cursor.target, through: await this.checkSameSegment(key), snapshotSeq: cursor.snapshotSeq };
  }

  /** A snapshot key that already exists must hold the same state. */
  private async checkSameSnapshot(key: string, hash: string): Promise<void> {
    const bytes = await this.remote.get(key, this.abort.signal);
    if (!bytes) throw new RemoteFault('transient', `${key} was reported to exist but could not be read`);
    if (readHeader(bytes)?.hash !== hash) throw this.conflict(key);
  }

  /**
   * A segment key that already exists (our upload whose answer was lost, or
   * whose cursor a crash did not keep) must hold exactly our records, as far
   * as the local journal still has them (retention may have trimmed some
   * since: a local snapshot covers those).
   * @returns the seq it ends at
   */
  private async checkSameSegment(key: string): Promise<number> {
    const bytes = await this.remote.get(key, this.abort.signal);
    if (!bytes) throw new RemoteFault('transient', `${key} was reported to exist but could not be read`);
    let theirs: JournalRecord[];
    try {
      theirs = (await readSegmentObject(bytes, key, this.host.storeName)).records;
    } catch {
      throw this.conflict(key);
    }
    const last = theirs[theirs.length - 1]!.last;
    const { records: local } = await this.idb((db) => readPending(db, theirs[0]!.seq, theirs.length + 1));
    if (!local.some((record) => record.last >= last)) throw this.conflict(key); // past anything written here
    const ours = local.filter((record) => record.seq <= last);
    const comparable = theirs.filter((record) => record.seq >= (ours[0]?.seq ?? Infinity));
    if (JSON.stringify(ours) !== JSON.stringify(comparable)) throw this.conflict(key);
    return last;
  }

  /**
   * Catches the cursor up with the bucket, at the start and after a failed
   * upload: objects past the cursor are this device's uploads whose answer
   * was lost or whose cursor a crash did not keep (the cursor is written
   * relaxed, and behind the next upload). Each is checked like a retry and
   * adopted in seq order; planning from a stale cursor could otherwise
   * upload a snapshot and a segment that overlaps one already there. What
   * does not chain on is another writer's: REMOTE_CONFLICT.
   */
  private async reconcile(cursor: UploadCursor): Promise<UploadCursor> {
    const { signal } = this.abort;
    const [segments, snapshots] = await Promise.all([
      this.remote.list('log/', { startAfter: segmentKey(cursor.through), limit: RECONCILE_LIMIT }, signal),
      this.remote.list('snap/', { startAfter: snapshotKey(cursor.through), limit: RECONCILE_LIMIT }, signal),
    ]);
    // Nothing was ever committed here, and the bucket holds a history: this store opened empty without it
    // (offline, or the network failed), so it takes it now. Once a commit is made here, that is a conflict.
    // Downloaded first: commits made meanwhile do not wait for the network (and then make it a conflict).
    if (cursor.through === 0 && this.host.seq() === 0 && segments.length + snapshots.length > 0) {
      const downloaded = await download(this.remote, this.host.def, this.host.now, { signal });
      if (downloaded) await this.host.restore(downloaded);
      return cursor;
    }
    let current = cursor;
    for (;;) {
      const next = segmentKey(current.through + 1);
      if (segments.includes(next)) {
        current = { target: current.target, through: await this.checkSameSegment(next), snapshotSeq: current.snapshotSeq };
        continue;
      }
      const snapshot = snapshots.find((key) => seqOfKey(key) > current.through);
      if (!snapshot) break;
      const seq = seqOfKey(snapshot);
      const hash = (await this.idb((db) => readRecord(db, 'snapshots', seq)))?.hash ?? (current.sending?.seq === seq ? current.sending.hash : undefined);
      if (hash) await this.checkSameSnapshot(snapshot, hash);
      // Pruned here since: it is ours if the segment after it is (a snapshot goes up before the segments after it).
      else if (segments.includes(segmentKey(seq + 1))) await this.checkSameSegment(segmentKey(seq + 1));
      // A last snapshot that cannot be checked overlaps nothing: leave it, unless nothing here was ever uploaded.
      else if (cursor.through === 0) throw this.conflict(snapshot);
      else break;
      current = { target: current.target, through: seq, snapshotSeq: seq };
    }
    // Only segments can overlap: one that does not chain on is another writer's.
    const stray = segments.find((key) => seqOfKey(key) > current.through);
    if (stray) throw this.conflict(stray);
    return current;
  }

  private conflict(key: string): TidemarkError {
    return new TidemarkError(
      'REMOTE_CONFLICT',
      `The remote ${this.remote.target} already holds ${key}, which is not this device's data: another device (or an earlier database) writes to the same prefix. ` +
        'Backup mode takes one writer per prefix: give this store its own prefix, or open it on an empty database to hydrate from the remote.',
      { details: { key } },
    );
  }
}

/** True when two cursors stand at the same place. */
function sameCursor(a: UploadCursor, b: UploadCursor): boolean {
  return a.through === b.through && a.snapshotSeq === b.snapshotSeq;
}
