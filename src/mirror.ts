import { applyEvents, type AnyEvent } from './apply-events.js';
import type { Reducers, StoreDefinition } from './define-store.js';
import type { CommitRecord } from './types.js';

interface PendingCommit {
  id: string;
  events: AnyEvent[];
}

/**
 * The page's copy of the store: the confirmed state (durable commits, in seq
 * order) and this page's pending commits applied on top of it (optimistic).
 * Reducers run here exactly as in the worker, so confirming a commit replays
 * its events rather than shipping the state.
 */
export class Mirror<S> {
  /** The optimistic state: confirmed plus pending. */
  state: S;
  confirmed: S;
  confirmedSeq: number;
  private pending: PendingCommit[] = [];
  /** True while `state` is `confirmed` with every pending commit applied, none left out. */
  private exact = true;

  constructor(
    private readonly def: StoreDefinition<S, Reducers<S>>,
    state: S,
    seq: number,
  ) {
    this.confirmed = this.state = state;
    this.confirmedSeq = seq;
  }

  /** Adds a pending commit whose optimistic result the caller already computed. */
  addPending(id: string, events: AnyEvent[], next: S): void {
    this.pending.push({ id, events });
    this.state = next;
  }

  /** Drops a commit the worker rejected, and re-applies the others. */
  dropPending(id: string): void {
    const index = this.pending.findIndex((p) => p.id === id);
    if (index < 0) return;
    this.pending.splice(index, 1);
    this.rebase();
  }

  /**
   * Applies durable commits (this page's and other tabs'). Returns false when
   * they do not follow on from `confirmedSeq`, or a reducer disagrees with the
   * worker: the caller must then reset from the worker's state.
   */
  confirm(commits: readonly CommitRecord[]): boolean {
    if (this.confirmsAllPending(commits)) {
      // Reducers are deterministic, and the worker applied exactly these events to this
      // confirmed state: the optimistic state is the confirmed one, no need to apply them again.
      this.confirmedSeq = commits[commits.length - 1]!.seq;
      this.confirmed = this.state;
      this.pending = [];
      return true;
    }
    let onlyOwnInOrder = true;
    for (const commit of commits) {
      if (commit.seq <= this.confirmedSeq) continue;
      if (commit.seq !== this.confirmedSeq + 1) return false;
      try {
        this.confirmed = applyEvents(this.def, this.confirmed, commit.events);
      } catch {
        return false;
      }
      this.confirmedSeq = commit.seq;
      const index = this.pending.findIndex((p) => p.id === commit.origin);
      // In order on an exact optimistic state, the state stays as it is; else it is rebuilt below.
      if (index === 0 && this.exact) this.pending.shift();
      else {
        onlyOwnInOrder = false;
        if (index >= 0) this.pending.splice(index, 1);
      }
    }
    // This page's oldest commits confirmed in order leave the optimistic state as it was.
    if (this.pending.length === 0) this.state = this.confirmed;
    else if (!onlyOwnInOrder) this.rebase();
    return true;
  }

  /** True when `commits` are exactly this page's pending commits, in order, right after `confirmedSeq`. */
  private confirmsAllPending(commits: readonly CommitRecord[]): boolean {
    if (!this.exact || commits.length !== this.pending.length || commits.length === 0) return false;
    for (let i = 0; i < commits.length; i++) {
      const commit = commits[i]!;
      if (commit.seq !== this.confirmedSeq + 1 + i || commit.origin !== this.pending[i]!.id) return false;
    }
    return true;
  }

  /** Starts over from the worker's state, keeping the pending commits on top. */
  reset(seq: number, stateJson: string): void {
    this.confirmed = JSON.parse(stateJson) as S;
    this.confirmedSeq = seq;
    this.rebase();
  }

  // A pending commit that no longer applies is left out here; the worker will reject it.
  private rebase(): void {
    let next = this.confirmed;
    this.exact = true;
    for (const commit of this.pending) {
      try {
        next = applyEvents(this.def, next, commit.events);
      } catch {
        // shown without it until its promise rejects
        this.exact = false;
      }
    }
    this.state = next;
  }
}
