import { fromWireError } from './error-transfer.js';
import type { CommitCall, CommitOutcome } from './protocol.js';
import type { CommitResult } from './types.js';

type Durability = 'strict' | 'relaxed';

interface Outgoing extends CommitCall {
  resolve: (result: CommitResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Sends the commits made in one task to the worker in one message: during a
 * burst that is one postMessage instead of thousands. Tracks what is in
 * flight so a dead worker's commits can be failed instead of hanging.
 */
export class Outbox {
  private box: { durability: Durability; commits: Outgoing[] } | null = null;
  private readonly inFlight = new Set<Outgoing>();

  constructor(private readonly post: (commits: CommitCall[], durability: Durability) => Promise<CommitOutcome[]>) {}

  send(call: CommitCall, durability: Durability): Promise<CommitResult> {
    return new Promise((resolve, reject) => {
      if (this.box && this.box.durability !== durability) this.flush();
      if (!this.box) {
        this.box = { durability, commits: [] };
        queueMicrotask(() => this.flush());
      }
      const outgoing = { ...call, resolve, reject };
      this.box.commits.push(outgoing);
      this.inFlight.add(outgoing);
    });
  }

  /** Rejects every commit not yet answered (the worker is gone). */
  failAll(error: unknown): void {
    this.box = null;
    for (const outgoing of this.inFlight) outgoing.reject(error);
    this.inFlight.clear();
  }

  /** Sends what was collected so far now, rather than at the end of the task. */
  flush(): void {
    const box = this.box;
    if (!box) return;
    this.box = null;
    const settle = (outgoing: Outgoing, outcome: CommitOutcome | { thrown: unknown }): void => {
      if (!this.inFlight.delete(outgoing)) return; // already failed
      if ('seq' in outcome) outgoing.resolve({ seq: outcome.seq });
      else outgoing.reject('error' in outcome ? fromWireError(outcome.error) : outcome.thrown);
    };
    this.post(
      box.commits.map(({ events, origin }) => ({ events, origin })),
      box.durability,
    ).then(
      (outcomes) => box.commits.forEach((outgoing, i) => settle(outgoing, outcomes[i]!)),
      (thrown: unknown) => box.commits.forEach((outgoing) => settle(outgoing, { thrown })),
    );
  }
}
