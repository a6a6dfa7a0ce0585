import type { TidemarkError } from '../../src/errors.js';
import type { RemoteStatus } from '../../src/types.js';
import { DEFAULT_REMOTE_POLICY, RemoteFault, type Remote, type ResolvedRemotePolicy } from './remote.js';
import { toRemoteError } from './remote-error.js';

/** What a remote loop needs from its engine. */
export interface LoopHost {
  now(): number;
  onStatus(status: RemoteStatus): void;
}

interface Waiter {
  ready(): boolean;
  resolve(): void;
  reject(error: TidemarkError): void;
}

/** See RemoteLoop.waitsForTheApp. */
export const WAITS_FOR_THE_APP: readonly string[] = ['REMOTE_CONFLICT', 'REMOTE_UNSUPPORTED'];

/**
 * The scheduling every remote worker shares (the backup uploader, the sync
 * loop): one round at a time; a round asked for while one runs follows it;
 * network faults back off (500 ms doubling to `maxBackoffMs`, with jitter)
 * and nothing asks sooner; a refusal blocks and rejects the waiters, and is
 * tried again after the longest backoff (a conflict waits for the app);
 * `offline` pauses and `online` resumes at once; the status follows.
 */
export abstract class RemoteLoop {
  protected readonly policy: ResolvedRemotePolicy;
  protected state: RemoteStatus = { status: 'idle', uploadedSeq: 0, pendingCommits: 0, lastError: null };
  protected stopped = false;
  protected readonly abort = new AbortController();
  protected blocked: TidemarkError | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private running: Promise<void> | null = null;
  private againInMs = Infinity;
  private failures = 0;
  /** After a network fault, no round before this time (epoch ms), whatever asks for one. */
  private retryAt = 0;
  private waiters: Waiter[] = [];
  /** The status the engine was last told of. */
  private told: RemoteStatus | undefined;
  private readonly onOnline = () => {
    this.retryAt = 0; // back online: try at once
    this.schedule(0);
  };
  private readonly onOffline = () => this.setStatus();

  constructor(
    protected readonly remote: Remote,
    private readonly loopHost: LoopHost,
    /** Completes "… while tidemark tried to ___" in error messages. */
    private readonly doing: string,
  ) {
    this.policy = { ...DEFAULT_REMOTE_POLICY, ...definedOnly(remote.policy ?? {}) };
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.addEventListener?.('offline', this.onOffline);
  }

  get status(): RemoteStatus {
    return this.state;
  }

  /** Errors a later round would only meet again: the loop waits for the app (or the next session). */
  protected readonly waitsForTheApp: readonly string[] = WAITS_FOR_THE_APP;

  /** One round of work; throws on a failure (a RemoteFault, or a TidemarkError that stops the loop). */
  protected abstract work(): Promise<void>;
  /** Called after a failed round, before the next one. */
  protected onFailure(): void {}
  /** Durable commits the remote does not have yet. */
  protected abstract pendingCommits(): number;
  /** The seq the remote holds everything through. */
  protected abstract doneThrough(): number;

  /** Stops: the request in flight is aborted, waiters are rejected with `reason`. */
  stop(reason: TidemarkError): void {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.timer);
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.removeEventListener?.('offline', this.onOffline);
    for (const waiter of this.waiters.splice(0)) waiter.reject(reason);
  }

  /** A promise for `ready()`, checked after every step of progress; rejects if the loop stops on an error. */
  protected waitFor(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    if (this.blocked) return Promise.reject(this.blocked);
    return new Promise((resolve, reject) => {
      this.waiters.push({ ready, resolve, reject });
      this.schedule(0);
    });
  }

  protected get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Progress was made: settles the waiters it satisfies and updates the status. */
  protected progressed(): void {
    this.state = { ...this.state, lastError: null };
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.ready()) return true;
      waiter.resolve();
      return false;
    });
    this.setStatus();
  }

  /** Runs a round in `ms` (or sooner if one is already due; never before a backoff ends). */
  schedule(ms: number): void {
    if (this.stopped) return;
    ms = Math.max(ms, this.retryAt - this.loopHost.now());
    if (this.running) {
      this.againInMs = Math.min(this.againInMs, ms); // once this round is over
      return;
    }
    const at = this.loopHost.now() + ms;
    if (at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timerAt = Infinity;
      this.running = this.round().finally(() => {
        this.running = null;
        const again = this.againInMs;
        this.againInMs = Infinity;
        if (again !== Infinity) this.schedule(again);
      });
    }, ms);
    (this.timer as { unref?: () => void }).unref?.();
  }

  protected get offline(): boolean {
    return globalThis.navigator?.onLine === false;
  }

  private async round(): Promise<void> {
    if (this.offline) return this.setStatus(); // the `online` event schedules the next round
    try {
      await this.work();
      if (this.stopped) return; // replaced meanwhile (a restore): the status is the new loop's to tell
      this.failures = 0;
      this.retryAt = 0;
      this.blocked = null;
      this.progressed();
    } catch (error) {
      if (this.stopped) return;
      this.fail(error);
    }
  }

  /** A network fault retries with backoff; a refusal blocks until it is retried after the longest backoff. */
  private fail(error: unknown): void {
    this.onFailure();
    const retrying = error instanceof RemoteFault && error.kind === 'transient';
    const mapped = toRemoteError(error, this.doing);
    this.state = { ...this.state, lastError: { code: mapped.code, message: mapped.message, retrying } };
    if (retrying) {
      this.failures++;
      const ceiling = Math.min(this.policy.maxBackoffMs, 500 * 2 ** Math.min(this.failures, 20));
      const wait = ceiling / 2 + Math.random() * (ceiling / 2); // jitter: devices do not retry in step
      this.retryAt = this.loopHost.now() + wait;
      this.schedule(wait);
    } else {
      this.blocked = mapped;
      for (const waiter of this.waiters.splice(0)) waiter.reject(mapped);
      // A refusal may pass (fresh credentials), so try again later; a conflict needs the app to act.
      if (!this.waitsForTheApp.includes(mapped.code)) this.schedule(this.policy.maxBackoffMs);
    }
    this.setStatus();
  }

  protected setStatus(): void {
    const pendingCommits = Math.max(0, this.pendingCommits());
    const status: RemoteStatus['status'] = this.blocked ? 'error' : this.offline ? 'offline' : pendingCommits > 0 ? 'uploading' : 'idle';
    this.state = { ...this.state, status, uploadedSeq: this.doneThrough(), pendingCommits };
    // Tell the engine only of a change since what it was last told (fields are replaced, never mutated).
    const told = this.told;
    const same =
      told !== undefined &&
      (Object.keys(this.state) as Array<keyof RemoteStatus>).every((key) => this.state[key] === told[key]) &&
      Object.keys(told).length === Object.keys(this.state).length;
    if (same) return;
    this.told = this.state;
    this.loopHost.onStatus(this.state);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
