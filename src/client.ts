import { transfer, wrap, type Endpoint, type Remote } from 'comlink';
import { applyEvents, validateEvents, type AnyEvent } from './apply-events.js';
import type { EventOf, Reducers, StoreDefinition } from './define-store.js';
import { fromWireError, installErrorTransfer } from './error-transfer.js';
import { TidemarkError } from './errors.js';
import { PROTOCOL_VERSION, type CommitCall, type WorkerApi, type WorkerChange } from './protocol.js';
import type { Store } from './store.js';
import type { CommitOptions, CommitRecord, CommitResult, LoadReport } from './types.js';

/** Options of `connectStore`. */
export interface ConnectOptions {
  /**
   * Default durability of this page's commits.
   * @default 'strict'
   */
  durability?: 'strict' | 'relaxed';
  /**
   * How long to wait for the worker to load the store before failing with `WORKER_FAILED`.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Ask the worker for a snapshot when the page is hidden or closed
   * (`visibilitychange` → hidden, `pagehide`), so the next load is quick.
   * @default true
   */
  checkpointOnHide?: boolean;
}

/** The store on the page: a synchronous, optimistic mirror of the worker's state. */
export interface ClientStore<S, E> extends Store<S, E> {
  /** The seq of the newest durable commit this page knows of. */
  readonly confirmedSeq: number;
  /** The state without this page's pending commits. */
  getConfirmedState(): S;
}

interface PendingCommit {
  id: string;
  events: AnyEvent[];
}

/**
 * Connects the page to a worker that runs `serveStore(def)` and returns the
 * store. `getState()` is synchronous and includes this page's commits that
 * are not durable yet; when the worker confirms or rejects them, or another
 * tab commits, the pending ones are re-applied on the new confirmed state.
 *
 * ```ts
 * const store = await connectStore(todos, new Worker(new URL('./todos.worker.ts', import.meta.url), { type: 'module' }));
 * ```
 *
 * @throws TidemarkError `WORKER_FAILED`, `PROTOCOL_MISMATCH`, `STORE_MISMATCH`, or the worker's load error
 * (`VERSION_AHEAD`, `MIGRATION_MISSING`, `JOURNAL_GAP`, `DATA_DAMAGED`…).
 */
export async function connectStore<S, R extends Reducers<S>>(
  def: StoreDefinition<S, R>,
  worker: Worker | MessagePort | Endpoint,
  options: ConnectOptions = {},
): Promise<ClientStore<S, EventOf<R>>> {
  installErrorTransfer();
  const anyDef = def as unknown as StoreDefinition<S, Reducers<S>>;
  const remote: Remote<WorkerApi> = wrap<WorkerApi>(worker as Endpoint);
  const changes = new MessageChannel();
  const hello = await withDeadline(
    remote.hello({ protocol: PROTOCOL_VERSION, name: def.name, version: def.version }, transfer(changes.port2, [changes.port2])),
    worker,
    options.timeoutMs ?? 30_000,
    def.name,
  );

  let confirmed = JSON.parse(hello.stateJson) as S;
  let confirmedSeq = hello.seq;
  let pending: PendingCommit[] = [];
  let state = confirmed;
  let unsaved = 0;
  let commitCount = 0;
  let closedBecause: string | null = null;
  let resyncing = false;
  const listeners = new Set<(state: S, previous: S) => void>();
  let savedWaiters: Array<() => void> = [];

  const notify = (previous: S): void => {
    for (const listener of listeners) listener(state, previous);
  };

  // The optimistic state: the confirmed one with the pending commits on top.
  // A pending commit that no longer applies is left out here; the worker will reject it.
  const rebase = (): void => {
    let next = confirmed;
    for (const commit of pending) {
      try {
        next = applyEvents(anyDef, next, commit.events);
      } catch {
        // shown without it; its promise rejects when the worker says so
      }
    }
    state = next;
  };

  const applyConfirmed = (commits: CommitRecord[]): void => {
    const previous = state;
    let ownHeadOnly = true;
    for (const commit of commits) {
      if (commit.seq <= confirmedSeq) continue;
      if (commit.seq !== confirmedSeq + 1) return void resync();
      try {
        confirmed = applyEvents(anyDef, confirmed, commit.events);
      } catch {
        return void resync(); // a reducer that is not deterministic; trust the worker
      }
      confirmedSeq = commit.seq;
      const index = pending.findIndex((p) => p.id === commit.origin);
      if (index === 0) pending.shift();
      else {
        ownHeadOnly = false;
        if (index > 0) pending.splice(index, 1);
      }
    }
    // Our own oldest commits confirmed in order: the optimistic state is unchanged.
    if (pending.length === 0) state = confirmed;
    else if (!ownHeadOnly) rebase();
    if (state !== previous) notify(previous);
  };

  const resync = async (): Promise<void> => {
    if (resyncing || closedBecause) return;
    resyncing = true;
    try {
      const fresh = await remote.state();
      reset(fresh.seq, fresh.stateJson);
    } finally {
      resyncing = false;
    }
  };

  const reset = (seq: number, stateJson: string): void => {
    const previous = state;
    confirmed = JSON.parse(stateJson) as S;
    confirmedSeq = seq;
    rebase();
    notify(previous);
  };

  changes.port1.onmessage = (message: MessageEvent<WorkerChange>) => {
    const change = message.data;
    if (change.type === 'commits') applyConfirmed(change.commits);
    else if (change.type === 'reset') reset(change.seq, change.stateJson);
    else closedBecause = change.reason;
  };

  const settle = (): void => {
    unsaved--;
    if (unsaved === 0) {
      const waiters = savedWaiters;
      savedWaiters = [];
      for (const resolve of waiters) resolve();
    }
    notify(state);
  };

  const commitWith = (commitOptions: CommitOptions, ...events: EventOf<R>[]): Promise<CommitResult> => {
    if (closedBecause) {
      return Promise.reject(new TidemarkError('CLOSED', `Store "${def.name}" is closed (${closedBecause}). Connect again to keep writing.`));
    }
    let next: S;
    try {
      validateEvents(anyDef, events);
      next = applyEvents(anyDef, state, events as AnyEvent[]);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = `${hello.clientId}:${++commitCount}`;
    const previous = state;
    pending.push({ id, events: events as AnyEvent[] });
    state = next;
    unsaved++;
    notify(previous);
    const durability = commitOptions.durability ?? options.durability ?? 'strict';
    return send({ events: events as AnyEvent[], origin: id }, durability).then(
      (result) => {
        settle();
        return result;
      },
      (error: unknown) => {
        const index = pending.findIndex((p) => p.id === id);
        if (index >= 0) {
          const before = state;
          pending.splice(index, 1);
          rebase();
          if (state !== before) notify(before);
        }
        settle();
        throw error;
      },
    );
  };

  // Commits made in one task travel in one message (see WorkerApi.commit).
  type Outgoing = CommitCall & { resolve: (result: CommitResult) => void; reject: (error: unknown) => void };
  let outbox: { durability: 'strict' | 'relaxed'; commits: Outgoing[] } | null = null;
  const flush = (): void => {
    const box = outbox;
    if (!box) return;
    outbox = null;
    remote.commit(box.commits.map(({ events, origin }) => ({ events, origin })), { durability: box.durability }).then(
      (outcomes) =>
        box.commits.forEach((commit, i) => {
          const outcome = outcomes[i]!;
          if ('seq' in outcome) commit.resolve({ seq: outcome.seq });
          else commit.reject(fromWireError(outcome.error));
        }),
      (error: unknown) => box.commits.forEach((commit) => commit.reject(error)),
    );
  };
  const send = (call: CommitCall, durability: 'strict' | 'relaxed'): Promise<CommitResult> =>
    new Promise((resolve, reject) => {
      if (outbox && outbox.durability !== durability) flush();
      if (!outbox) {
        outbox = { durability, commits: [] };
        queueMicrotask(flush);
      }
      outbox.commits.push({ ...call, resolve, reject });
    });

  // Hidden: checkpoint so the next load is quick. Visible again: catch up, in
  // case a tab was closed between writing a commit and announcing it.
  const onVisibilityChange = (): void => {
    if (closedBecause) return;
    if (globalThis.document.visibilityState === 'hidden') void remote.checkpoint('hidden').catch(() => {});
    else void remote.catchUp().catch(() => {});
  };
  const onPageHide = (): void => {
    if (!closedBecause) void remote.checkpoint('hidden').catch(() => {});
  };
  const watchesPage = (options.checkpointOnHide ?? true) && typeof globalThis.document !== 'undefined';
  if (watchesPage) {
    globalThis.document.addEventListener('visibilitychange', onVisibilityChange);
    globalThis.addEventListener('pagehide', onPageHide);
  }

  return {
    getState: () => state,
    getConfirmedState: () => confirmed,
    get confirmedSeq() {
      return confirmedSeq;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    commit: (...events) => commitWith({}, ...events),
    commitWith,
    checkpoint: () => remote.checkpoint('manual'),
    stats: () => remote.stats(),
    get pendingCommits() {
      return unsaved;
    },
    whenSaved: () => (unsaved === 0 ? Promise.resolve() : new Promise<void>((resolve) => savedWaiters.push(resolve))),
    get loadReport(): LoadReport {
      return hello.report;
    },
    async close() {
      if (closedBecause) return;
      await remote.goodbye(hello.clientId);
      closedBecause = 'the store was closed';
      changes.port1.close();
      if (watchesPage) {
        globalThis.document.removeEventListener('visibilitychange', onVisibilityChange);
        globalThis.removeEventListener('pagehide', onPageHide);
      }
      listeners.clear();
    },
  };
}

/** Fails the connection if the worker errors while starting, or says nothing before the deadline. */
function withDeadline<T>(reply: Promise<T>, worker: unknown, ms: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = (why: string): void =>
      reject(new TidemarkError('WORKER_FAILED', `The worker for store "${name}" ${why}. Check that it calls serveStore() and loads without errors.`));
    const timer = setTimeout(() => fail(`did not answer within ${ms} ms`), ms);
    const onError = (event: Event): void => fail(`failed to start (${(event as ErrorEvent).message ?? 'script error'})`);
    const target = worker as Partial<EventTarget>;
    target.addEventListener?.('error', onError);
    reply.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      target.removeEventListener?.('error', onError);
    });
  });
}
