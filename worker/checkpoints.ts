import type { Reducers, StoreDefinition } from '../src/define-store.js';
import type { TidemarkError } from '../src/errors.js';
import type { SnapshotInfo, SnapshotKind } from '../src/types.js';
import { msUntilCheckpoint } from './checkpoint-policy.js';
import type { SnapshotRecord } from './records.js';
import { encodeState } from './snapshot-codec.js';
import { toTidemarkError } from './storage-errors.js';

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit; a longer wait is re-checked when it fires

/** What checkpoints need of their engine. */
export interface CheckpointHost {
  readonly def: StoreDefinition<unknown, Reducers<unknown>>;
  now(): number;
  /** What a snapshot holds: the confirmed state or, in sync mode, the shared log's. */
  source(): { seq: number; state: unknown };
  /** Stores the snapshot (and prunes behind it); `dropDamaged` also deletes the snapshots the load found damaged. */
  write(record: SnapshotRecord, dropDamaged: boolean): Promise<void>;
  /** True once the engine closes or is closing: no periodic checkpoint starts then. */
  stopped(): boolean;
}

/**
 * When the engine writes snapshots, and writing them: counts the events
 * since the last one, asks the policy after each batch (and sets a timer
 * for `everyMs`), and runs one checkpoint at a time.
 */
export class Checkpoints {
  private eventsTotal: number;
  private eventsAtSnapshot = 0;
  /**
   * Where the checkpoint cooldown counts from: when the newest snapshot was
   * written or, for a store that has none, when its first commit was made
   * (undefined until then). Never the open time: a page reloaded soon after
   * its first commits must still get its hide-time snapshot.
   */
  private lastSnapshotAt: number | undefined;
  private lastSnapshot: SnapshotInfo | null = null;
  private running: Promise<SnapshotInfo | null> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  /** Why the last checkpoint failed; null once one succeeds. */
  lastError: TidemarkError | null = null;

  constructor(
    private readonly host: CheckpointHost,
    loaded: { eventsReplayed: number; snapshotAt: number | undefined; firstCommitAt: number | undefined },
  ) {
    this.eventsTotal = loaded.eventsReplayed;
    this.lastSnapshotAt = loaded.snapshotAt ?? loaded.firstCommitAt;
  }

  get eventsSinceSnapshot(): number {
    return this.eventsTotal - this.eventsAtSnapshot;
  }

  /** Events were committed; `firstAt` is when, for a store that had no commit before. */
  counted(events: number, firstAt?: number): void {
    this.eventsTotal += events;
    this.lastSnapshotAt ??= firstAt;
  }

  /**
   * The state was replaced (reloaded, imported, restored): `eventsSince` events
   * are not in its snapshot yet, which was written at `snapshotAt` (undefined:
   * the cooldown counts on from where it did).
   */
  startOver(eventsSince: number, snapshotAt: number | undefined): void {
    this.eventsAtSnapshot = this.eventsTotal;
    this.eventsTotal += eventsSince;
    this.lastSnapshotAt = snapshotAt ?? this.lastSnapshotAt;
  }

  /** Writes a periodic snapshot now if the policy says one is due, or sets a timer for when it could be. */
  consider(): void {
    if (this.running || this.host.stopped()) return; // re-considered when it ends
    const now = this.host.now();
    const wait = msUntilCheckpoint(
      { eventsSinceSnapshot: this.eventsSinceSnapshot, lastSnapshotAt: this.lastSnapshotAt ?? now, now },
      this.host.def.checkpoint,
    );
    if (wait === 0) {
      this.run('periodic').then(
        () => this.consider(),
        () => {}, // kept in lastError for stats(); the next commit tries again
      );
    } else if (Number.isFinite(wait) && now + wait < this.timerAt) {
      clearTimeout(this.timer);
      this.timerAt = now + wait;
      this.timer = setTimeout(() => {
        this.timerAt = Infinity;
        this.consider();
      }, Math.min(wait, MAX_TIMER_MS));
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * Writes a snapshot after the one running, if any. Returns the newest
   * snapshot when nothing changed since it, or null for a store that was
   * never written.
   */
  run(kind: SnapshotKind, dropDamaged = false): Promise<SnapshotInfo | null> {
    const previous = this.running ?? Promise.resolve(null);
    const run = previous
      .catch(() => null)
      .then(() => this.write(kind, dropDamaged))
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    this.running = run;
    return run;
  }

  /** A snapshot, if anything changed since the last one and the cooldown allows it (page hidden). */
  ifCooledDown(): Promise<SnapshotInfo | null> {
    const sinceLast = this.host.now() - (this.lastSnapshotAt ?? this.host.now());
    if (this.eventsSinceSnapshot === 0 || sinceLast < this.host.def.checkpoint.cooldownMs) return Promise.resolve(this.lastSnapshot);
    return this.run('periodic');
  }

  /**
   * For a store that closes: no more timed checkpoints, a last snapshot if
   * anything changed and `writeLast` (the journal already holds every
   * commit), and the one running ended.
   */
  async finish(writeLast: boolean): Promise<void> {
    this.stop();
    if (writeLast && this.eventsSinceSnapshot > 0) await this.run('periodic').catch(() => {});
    await this.running?.catch(() => {});
  }

  /** No more timed checkpoints. */
  stop(): void {
    clearTimeout(this.timer);
    this.timerAt = Infinity;
  }

  private async write(kind: SnapshotKind, dropDamaged: boolean): Promise<SnapshotInfo | null> {
    const eventsAt = this.eventsTotal;
    // A rewind's safety snapshot is written even when nothing changed: it must be kept as kind 'rewind'.
    if (eventsAt === this.eventsAtSnapshot && kind !== 'rewind' && !dropDamaged) return this.lastSnapshot;
    const { seq, state } = this.host.source();
    if (seq === 0) return null;
    const at = this.host.now();
    try {
      const encoded = await encodeState(state);
      const record: SnapshotRecord = { seq, at, kind, version: this.host.def.version, codec: 'json+gzip', ...encoded };
      await this.host.write(record, dropDamaged);
      this.lastSnapshot = { seq, at, kind, version: record.version, bytes: record.bytes.byteLength, rawBytes: record.rawBytes, hash: record.hash };
      this.eventsAtSnapshot = eventsAt;
      this.lastSnapshotAt = at;
      this.lastError = null;
      return this.lastSnapshot;
    } catch (error) {
      this.lastError = toTidemarkError(error, 'write a snapshot');
      // A failed attempt starts the cooldown too: a state that cannot be written is not retried after every commit.
      if (kind === 'periodic') this.lastSnapshotAt = at;
      throw this.lastError;
    }
  }
}
