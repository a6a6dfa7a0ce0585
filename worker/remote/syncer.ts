import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import type { RejectedCommit } from '../../src/types.js';
import { readRecord, type Database, type KeptHeads } from '../database.js';
import type { TransactionGate } from '../transaction-gate.js';
import { probeConditionalWrites } from './capability-probe.js';
import { compact } from './compaction.js';
import { seqOfKey, type Heads } from './objects.js';
import type { OutboxEntry } from '../records.js';
import { eventsOf, writeSyncResult, type Shared } from './outbox.js';
import type { Remote } from './remote.js';
import { RemoteLoop, type LoopHost } from './remote-loop.js';
import { syncOnce } from './shared-log.js';
import { uploadSharedSnapshot } from './shared-snapshot.js';
import { withUploadLock } from '../device-lock.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Pull this often while something changed lately; the wait doubles up to `MAX_POLL_MS` when nothing does. */
export const MIN_POLL_MS = 2_000;
export const MAX_POLL_MS = 60_000;

/** Rounds of pull, rebase and push one sync tries before it waits: another device kept winning the position. */
const ATTEMPTS_PER_ROUND = 20;

/** What the syncer needs from its engine. */
export interface SyncerHost extends LoopHost {
  readonly db: Database;
  /** The engine's: the syncer's transactions beside commits wait their turn through it. */
  readonly gate: TransactionGate;
  readonly def: AnyDefinition;
  /** The shared log as the engine has it: where the next read starts. */
  shared(): Shared;
  /** The device's own commits not in the log yet (the outbox, every tab's), as of the last catch-up. */
  pending(): readonly OutboxEntry[];
  /** The journal or the outbox changed under the engine: read them again (and tell the pages). */
  catchUp(): Promise<void>;
  /** What the device's tabs share (its IndexedDB factory): the upload lock's scope where there are no Web Locks. */
  readonly device?: object;
}

/**
 * Sync mode's loop, in the worker: every round pulls the shared log after
 * this device's seq, rebases the outbox on it and pushes it as the next
 * segment (see syncOnce), then writes the outcome to the journal and the
 * outbox in one transaction, and lets the engine catch up. One tab of a
 * device syncs at a time (the same Web Lock as uploads), so the tabs share
 * one push queue: the outbox. Rounds run after commits, when the device
 * comes online, when a page asks (`whenUploaded`, a page becoming visible),
 * and by polling: every 2 s after activity, backing off to 60 s when idle.
 */
export class Syncer extends RemoteLoop {
  private probed = false;
  private pollMs = MIN_POLL_MS;
  private rejected: RejectedCommit[] = [];
  private batches = 0;
  /** Seq of the newest snapshot in the bucket (read once, then kept up to date); undefined until read. */
  private remoteSnapshotSeq: number | undefined;
  /** This device uploaded a snapshot and has not compacted behind it yet (a fault, say): the next rounds try again. */
  private compactionDue = false;
  /** This device's id in the shared log (segment headers, Heads), kept in the database. */
  private device = '';
  /** `whenSynced` calls so far, and the last one a finished round started after. */
  private asks = 0;
  private finishedAsk = 0;

  constructor(
    remote: Remote,
    private readonly host: SyncerHost,
  ) {
    super(remote, host, 'sync');
  }

  /** Reads the rejections kept from earlier sessions (the page must still see them), then syncs. */
  async start(): Promise<void> {
    const db = this.host.db;
    const id = (await db.get('remote', 'device')) as { id: string } | undefined;
    this.device = id?.id ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    if (!id) await db.put('remote', { id: this.device }, 'device');
    const kept = (await this.host.db.get('remote', 'rejected')) as { rejected: RejectedCommit[] } | undefined;
    if (kept?.rejected.length) {
      this.rejected = kept.rejected;
      this.state = { ...this.state, rejected: this.rejected };
    }
    this.setStatus();
    this.schedule(0);
  }

  /** New local commits: push them after `uploadDelayMs`. */
  poke(): void {
    this.pollMs = MIN_POLL_MS;
    this.setStatus();
    this.schedule(this.waiting ? 0 : this.policy.uploadDelayMs);
  }

  /** Pull now (the page became visible, or asked). */
  pull(): void {
    this.pollMs = MIN_POLL_MS;
    this.schedule(0);
  }

  /**
   * Resolves once a sync that started after this call finished with nothing
   * of this device left to push: its commits are in the shared log (or were
   * rejected), and it has everything other devices pushed before.
   */
  whenSynced(): Promise<void> {
    const asked = ++this.asks;
    return this.waitFor(() => this.finishedAsk >= asked && this.host.pending().length === 0);
  }

  protected pendingCommits(): number {
    return this.host.pending().length;
  }

  protected doneThrough(): number {
    return this.host.shared().seq;
  }

  protected async work(): Promise<void> {
    const ask = this.asks;
    await withUploadLock(this.host.def.name, async () => {
      if (!this.probed) {
        await probeConditionalWrites(this.remote, this.abort.signal);
        this.probed = true;
      }
      let changed = false;
      for (let attempt = 0; attempt < ATTEMPTS_PER_ROUND && !this.stopped; attempt++) {
        await this.host.catchUp(); // the journal and outbox as they are now, other tabs' commits included
        const shared = this.host.shared();
        const pending = this.host.pending().map((entry) => ({ origin: entry.origin, at: entry.at, events: eventsOf(this.host.def, entry) }));
        const batch = `${this.host.def.name}/${Date.now().toString(36)}-${++this.batches}-${Math.random().toString(36).slice(2, 8)}`;
        const heads = await this.headsAt(shared.seq);
        const start = { seq: shared.seq, state: shared.state, pending, heads };
        const result = await syncOnce(this.remote, this.host.def, start, { device: this.device, batch }, this.abort.signal);
        if (result.applied.length > 0 || result.rejected.length > 0 || result.snapshot || result.confirmed.length > 0) {
          this.rejected = await this.host.gate.run(() => writeSyncResult(this.host.db, this.host.def.version, result));
          if (result.rejected.length > 0) this.state = { ...this.state, rejected: this.rejected };
          await this.host.catchUp();
          changed = true;
        }
        if (result.snapshot) this.remoteSnapshotSeq = Math.max(this.remoteSnapshotSeq ?? 0, result.snapshot.seq);
        if (result.fault) throw result.fault;
        if (result.done) break;
      }
      await this.shareSnapshot();
      await this.compactIfDue();
      // Poll sooner after activity, later when nothing happens.
      this.pollMs = changed ? MIN_POLL_MS : Math.min(MAX_POLL_MS, this.pollMs * 2);
    }, this.host.device);
    this.finishedAsk = Math.max(this.finishedAsk, ask);
    this.state = { ...this.state, syncedAt: this.host.now() };
    this.schedule(this.pollMs);
  }

  /** The Heads at the journal's end, `seq`; undefined when this database does not know them. */
  private async headsAt(seq: number): Promise<Heads | undefined> {
    const kept = (await this.host.gate.run(() => readRecord(this.host.db, 'remote', 'heads'))) as KeptHeads | undefined;
    if (kept?.seq === seq) return kept.heads;
    return seq === 0 ? {} : undefined;
  }

  /**
   * Uploads the shared state once `snapshotEveryCommits` commits were synced
   * since the bucket's newest snapshot, so a new device replays a bounded
   * log; compaction behind it follows (compactIfDue). Its seq ends a segment (whole
   * segments are pulled, a push ends one), as hydration needs.
   */
  private async shareSnapshot(): Promise<void> {
    const { signal } = this.abort;
    this.remoteSnapshotSeq ??= Math.max(0, ...(await this.remote.list('snap/', {}, signal)).map(seqOfKey).filter((seq) => !Number.isNaN(seq)));
    const { seq, state } = this.host.shared();
    if (seq - this.remoteSnapshotSeq < this.policy.snapshotEveryCommits) return;
    const heads = await this.headsAt(seq);
    if (!heads) return; // a database from before Heads were kept: another device uploads
    const created = await uploadSharedSnapshot(this.remote, this.host.def, { seq, state, heads }, this.host.now(), signal);
    this.remoteSnapshotSeq = seq;
    if (created && Number.isFinite(this.policy.keepSnapshots)) this.compactionDue = true;
  }

  /**
   * Compacts behind the snapshot this device uploaded (see compaction.ts),
   * once per snapshot: a pass that failed is tried again next round, and
   * one skipped because another device holds the lease is left to it.
   */
  private async compactIfDue(): Promise<void> {
    if (!this.compactionDue) return;
    const { keepSnapshots, compactionLeaseMs } = this.policy;
    await compact(this.remote, { keepSnapshots, leaseMs: compactionLeaseMs, holder: this.device, now: () => this.host.now() }, this.abort.signal);
    this.compactionDue = false;
  }
}
