import { applyCommit, validateEvents, type AnyEvent } from './apply-events.js';
import { Calls } from './calls.js';
import { draftState, withCommits } from './draft-state.js';
import type { EventOf, Reducers, StoreDefinition } from './define-store.js';
import { refuseDataLoss, type DataLossPolicy } from './data-loss.js';
import { fromWireError } from './error-transfer.js';
import { TidemarkError } from './errors.js';
import { Listeners } from './listeners.js';
import { Mirror } from './mirror.js';
import { Outbox } from './outbox.js';
import { persistOnce, requestPersistence } from './persistence.js';
import { PROTOCOL_VERSION, type Endpoint, type HelloMessage, type HelloReply, type PageMessage, type WorkerChange } from './protocol.js';
import type { Store } from './store.js';
import type { CommitOptions, CommitResult, LoadReport } from './types.js';

/** Options of `connectStore`. */
export interface ConnectOptions {
  /**
   * Default durability of this page's commits.
   * @default 'strict'
   */
  durability?: 'strict' | 'relaxed';
  /**
   * How long to wait for the worker to load the store, and for `close()` to
   * hear back from it, before giving up with `WORKER_FAILED` / `CLOSED`.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Ask the worker for a snapshot when the page is hidden or closed
   * (`visibilitychange` → hidden, `pagehide`), so the next load is quick.
   * @default true
   */
  checkpointOnHide?: boolean;
  /**
   * When the store's data is found gone (the browser deleted the database,
   * see `LoadReport.dataLoss`): `'reject'` fails with `DATA_LOST`;
   * `'open-empty'` connects to the empty store and reports it in
   * `loadReport.dataLoss`. The loss is reported until the store is written again.
   * @default 'reject'
   */
  onDataLoss?: DataLossPolicy;
  /**
   * Ask for persistent storage (`store.persist()`) at this page's first
   * commit, from inside that commit's task, so the user's click counts. Until
   * granted, the browser may evict the whole store under storage pressure
   * (and Safari after 7 days without a visit). Firefox shows a prompt then;
   * leave it off and call `store.persist()` yourself to pick the moment.
   * @default false
   */
  persistOnFirstCommit?: boolean;
}

/** The store on the page: a synchronous, optimistic mirror of the worker's state. */
export interface ClientStore<S, E> extends Store<S, E> {}

/** The client store type of a store definition: `ClientStoreOf<typeof todos>`. */
export type ClientStoreOf<D> = D extends StoreDefinition<infer S, infer R> ? ClientStore<S, EventOf<R>> : never;

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
 * @throws TidemarkError `DATA_LOST` (the browser deleted the store's data; see `onDataLoss`),
 * `WORKER_FAILED`, `PROTOCOL_MISMATCH`, `STORE_MISMATCH`, or the worker's load error
 * (`VERSION_AHEAD`, `MIGRATION_MISSING`, `JOURNAL_GAP`, `DATA_DAMAGED`…).
 */
export async function connectStore<S, R extends Reducers<S>>(
  def: StoreDefinition<S, R>,
  worker: Worker | MessagePort | Endpoint,
  options: ConnectOptions = {},
): Promise<ClientStore<S, EventOf<R>>> {
  const anyDef = def as unknown as StoreDefinition<S, Reducers<S>>;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Everything after the hello goes over this channel's port1; the worker gets port2.
  const changes = new MessageChannel();
  const send = (message: PageMessage): void => changes.port1.postMessage(message);
  const calls = new Calls(send);
  // The draft is parsed and applied as it arrives, while the worker checks it (see WorkerChange `draft`).
  let draft: Promise<S | undefined> | undefined;
  // Changes that come after the hello's answer, before the page has its state (while a draft is being applied).
  const early: WorkerChange[] = [];
  let receive = (data: WorkerChange): void => {
    if (data.type === 'answer') calls.answered(data);
    else if (data.type === 'draft') {
      // A draft's JSON starts it over; commits alone go on top of the one before.
      const { stateJson, commits } = data;
      draft = stateJson !== undefined ? draftState(anyDef, stateJson, commits) : draft?.then((state) => (state === undefined ? undefined : withCommits(anyDef, state, commits)));
    } else early.push(data);
  };
  changes.port1.onmessage = (message: MessageEvent<WorkerChange>) => receive(message.data);
  const greeting = calls.answer(0) as Promise<HelloReply>;
  const request = { protocol: PROTOCOL_VERSION, name: def.name, version: def.version };
  (worker as Endpoint).postMessage({ type: 'tidemark:hello', request, port: changes.port2 } satisfies HelloMessage, [changes.port2]);
  let hello: HelloReply;
  let start: { state: S; seq: number };
  try {
    hello = await withDeadline(greeting, worker, timeoutMs, def.name);
    refuseDataLoss(def.name, hello.report, options.onDataLoss);
    const drafted = hello.stateJson === undefined ? await draft : undefined;
    if (hello.stateJson !== undefined) start = { state: JSON.parse(hello.stateJson) as S, seq: hello.seq };
    else if (drafted !== undefined) start = { state: drafted, seq: hello.seq };
    else {
      // The draft did not apply here, though it did in the worker: ask for the state itself.
      const fresh = await withDeadline(calls.call('state'), worker, timeoutMs, def.name);
      start = { state: JSON.parse(fresh.stateJson) as S, seq: fresh.seq };
    }
  } catch (error) {
    changes.port1.close(); // on DATA_LOST the worker stays up: connect again with onDataLoss: 'open-empty' to go on
    throw error;
  }
  draft = undefined;
  const mirror = new Mirror(anyDef, start.state, start.seq);
  const outbox = new Outbox((commits, durability) => send({ type: 'commit', commits, options: { durability } }));
  const listeners = new Listeners<S>(() => mirror.state);
  let unsaved = 0;
  let commitCount = 0;
  let closedReason: string | null = null;
  let resyncing = false;
  let savedWaiters: Array<() => void> = [];
  let remoteStatus = hello.remote;
  // The open's; a restore from the remote brings its own.
  let report = hello.report;
  let onBye = (): void => {};
  /** Why calls fail at once: the page closed the store, or the worker failed. */
  let ended: TidemarkError | null = null;
  const askPersistence = persistOnce(options.persistOnFirstCommit ?? false);

  const notify = (previous: S): void => listeners.notify(mirror.state, previous);
  const change = (update: () => void): void => {
    const previous = mirror.state;
    update();
    if (mirror.state !== previous) notify(previous);
  };

  const resync = async (): Promise<void> => {
    if (resyncing || closedReason) return;
    resyncing = true;
    try {
      const fresh = await call('state');
      change(() => mirror.reset(fresh.seq, fresh.stateJson));
    } finally {
      resyncing = false;
    }
  };

  // Set before any message that came after the hello's answer is handled: none is missed.
  receive = (data) => {
    if (data.type === 'answer') calls.answered(data);
    else if (data.type === 'commits') {
      change(() => mirror.confirm(data.commits) || void resync());
      outbox.written(data.commits);
    } else if (data.type === 'rejected') outbox.rejected(data.origin, fromWireError(data.error));
    else if (data.type === 'reset') {
      if (data.report) report = data.report;
      change(() => mirror.reset(data.seq, data.stateJson));
    } else if (data.type === 'bye') onBye();
    else if (data.type === 'remote') {
      remoteStatus = data.status;
      notify(mirror.state);
    } else if (data.type === 'closed') stop(data.reason);
  };

  // Hidden: checkpoint so the next load is quick. Visible again: catch up, in
  // case a tab was closed between writing a commit and announcing it.
  const onVisibilityChange = (): void => {
    if (globalThis.document.visibilityState === 'hidden') void call('checkpoint', 'hidden').catch(() => {});
    else void call('catchUp').catch(() => {});
  };
  const onPageHide = (): void => void call('checkpoint', 'hidden').catch(() => {});
  const onWorkerError = (event: Event): void =>
    stop(
      `the worker failed: ${(event as ErrorEvent).message || 'script error'}`,
      new TidemarkError('WORKER_FAILED', `The worker of store "${def.name}" failed; commits it had not confirmed may be lost. Connect again.`),
    );
  const watchesPage = (options.checkpointOnHide ?? true) && typeof globalThis.document !== 'undefined';
  if (watchesPage) {
    globalThis.document.addEventListener('visibilitychange', onVisibilityChange);
    globalThis.addEventListener('pagehide', onPageHide);
  }
  const workerEvents = worker as Partial<EventTarget>;
  workerEvents.addEventListener?.('error', onWorkerError);

  /** Stops the page side for good; commits still in flight fail with `error` if given. */
  const stop = (reason: string, error?: TidemarkError): void => {
    if (closedReason && !error) return;
    closedReason ??= reason;
    if (error) {
      ended = error;
      outbox.failAll(error);
      calls.failAll(error);
    }
    if (watchesPage) {
      globalThis.document.removeEventListener('visibilitychange', onVisibilityChange);
      globalThis.removeEventListener('pagehide', onPageHide);
    }
    workerEvents.removeEventListener?.('error', onWorkerError);
    notify(mirror.state);
  };

  const settle = (): void => {
    unsaved--;
    if (unsaved === 0) {
      const waiters = savedWaiters;
      savedWaiters = [];
      for (const resolve of waiters) resolve();
    }
    notify(mirror.state);
  };

  const whenSaved = (): Promise<void> =>
    unsaved === 0 ? Promise.resolve() : new Promise<void>((resolve) => savedWaiters.push(resolve));

  const closedError = (): TidemarkError =>
    new TidemarkError('CLOSED', `Store "${def.name}" is closed (${closedReason}). Connect again to keep writing.`);

  // A call to the worker, unless the page closed its port or the worker died (see stop).
  const call: Calls['call'] = (method, ...args) => (ended ? Promise.reject(ended) : calls.call(method, ...args)) as never;

  const commitWith = (commitOptions: CommitOptions, ...events: EventOf<R>[]): Promise<CommitResult> => {
    if (closedReason) return Promise.reject(closedError());
    let next: S;
    try {
      validateEvents(anyDef, events);
      next = applyCommit(anyDef, mirror.state, events as AnyEvent[]);
    } catch (error) {
      return Promise.reject(error);
    }
    askPersistence();
    const id = `${hello.clientId}:${++commitCount}`;
    unsaved++; // before listeners hear of the change, so they see it pending
    change(() => mirror.addPending(id, events as AnyEvent[], next));
    const durability = commitOptions.durability ?? options.durability ?? 'strict';
    return outbox.send({ events: events as AnyEvent[], origin: id }, durability).then(
      (result) => {
        settle();
        return result;
      },
      (error: unknown) => {
        change(() => mirror.dropPending(id));
        settle();
        throw error;
      },
    );
  };

  for (const data of early.splice(0)) receive(data);
  return {
    getState: () => mirror.state,
    getConfirmedState: () => mirror.confirmed,
    get confirmedSeq() {
      return mirror.confirmedSeq;
    },
    get closedReason() {
      return closedReason;
    },
    subscribe: listeners.subscribe,
    commit: (...events) => commitWith({}, ...events),
    commitWith,
    checkpoint: () => call('checkpoint', 'manual'),
    stats: () => call('stats'),
    persist: requestPersistence,
    get pendingCommits() {
      return unsaved;
    },
    whenSaved,
    get remote() {
      return remoteStatus;
    },
    // This page's commits must be durable first: the worker uploads what it has.
    whenUploaded: () => whenSaved().then(() => call('whenUploaded')),
    restoreFromRemote: (restoreOptions = {}) => whenSaved().then(() => call('restoreFromRemote', restoreOptions)),
    history: (historyOptions = {}) => call('history', historyOptions),
    stateAt: async (seq) => JSON.parse(await call('stateAt', seq)) as S,
    verify: () => call('verify'),
    // This page's commits must be in the journal first: the rewind comes after them.
    rewind: (toSeq) => whenSaved().then(() => call('rewind', toSeq)),
    rewinds: () => call('rewinds'),
    exportBackup: () => whenSaved().then(() => call('exportBackup')),
    importBackup: (file, importOptions = {}) => whenSaved().then(() => call('importBackup', file, importOptions)),
    get loadReport(): LoadReport {
      return report;
    },
    async close() {
      if (closedReason) return;
      closedReason = 'the store was closed';
      outbox.flush(); // commits made just before close() go out ahead of the goodbye
      // The worker answers goodbye after confirming this page's commits; a dead worker never does.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        onBye = resolve;
        timer = setTimeout(resolve, timeoutMs);
        send({ type: 'goodbye' });
      });
      clearTimeout(timer);
      calls.failAll(closedError()); // calls the worker did not answer before its bye
      stop(
        closedReason,
        new TidemarkError(
          'CLOSED',
          `Store "${def.name}" was closed before the worker confirmed this commit; it may or may not be durable. Connect again to see.`,
        ),
      );
      ended = closedError();
      changes.port1.close();
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
