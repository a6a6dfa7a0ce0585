import type { CommitCall } from './protocol.js';
import type { CommitRecord, CommitResult } from './types.js';

type Durability = 'strict' | 'relaxed';

interface Outgoing extends CommitCall {
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the commits made in one task to the worker in one message: during a
 * burst that is one postMessage instead of thousands. Each is settled when
 * the worker's answer names its origin: the durable commits every page is
 * sent, or a rejection. Tracks what is in flight so a dead worker's commits
 * can be failed instead of hanging.
 */
export class Outbox {
  private box: { durability: Durability; commits: Outgoing[] } | null = null;
  private readonly inFlight = new Map<string, Outgoing>();

  constructor(private readonly post: (commits: CommitCall[], durability: Durability) => void) {}

  send(call: CommitCall, durability: Durability): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      if (this.box && this.box.durability !== durability) this.flush();
      if (!this.box) {
        this.box = { durability, commits: [] };
        queueMicrotask(() => this.flush());
      }
      const outgoing = { ...call, resolve, reject };
      this.box.commits.push(outgoing);
      this.inFlight.set(call.origin, outgoing);
    });
  }

  /** Resolves this page's commits among `commits` (durable ones, any page's). */
  written(commits: readonly CommitRecord[]): void {
    for (const commit of commits) this.take(commit.origin)?.resolve({ seq: commit.seq });
  }

  /** Rejects the commit `origin` with `error`. */
  rejected(origin: string, error: unknown): void {
    this.take(origin)?.reject(error);
  }

  /** Rejects every commit not yet answered (the worker is gone). */
  failAll(error: unknown): void {
    this.box = null;
    for (const outgoing of this.inFlight.values()) outgoing.reject(error);
    this.inFlight.clear();
  }

  /** Sends what was collected so far now, rather than at the end of the task. */
  flush(): void {
    const box = this.box;
    if (!box) return;
    this.box = null;
    try {
      this.post(box.commits.map(({ events, origin }) => ({ events, origin })), box.durability);
    } catch (error) {
      for (const { origin } of box.commits) this.rejected(origin, error); // e.g. an event the browser cannot clone
    }
  }

  private take(origin: string): Outgoing | undefined {
    const outgoing = this.inFlight.get(origin);
    this.inFlight.delete(origin);
    return outgoing;
  }
}
