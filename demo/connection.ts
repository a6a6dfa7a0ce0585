// The page's link to the store: one Worker and the ClientStore connected to it.
// The inspector replaces both when it crashes the worker or clears the database,
// so the rest of the demo asks here for the current store instead of keeping one.
import { connectStore, type ClientStore, type EventsOf, type LoadReport, type StateOf } from 'tidemark';
import { deleteStore } from 'tidemark/worker';
import { todos, type TodosStore } from './todos.store';

export type TodosClient = ClientStore<StateOf<TodosStore>, EventsOf<TodosStore>>;

/** One worker and the store connected through it. */
export interface Session {
  readonly store: TodosClient;
  /** 1 for the worker the page started with, 2 after the first crash… */
  readonly number: number;
  readonly startedAt: number;
  /** Resolves, with why, once this session is replaced: its pending commits will never settle. */
  readonly ended: Promise<string>;
}

export interface Connection {
  /** The current session; throws before the first connect finished (see `connected`). */
  readonly session: Session;
  /** False until the first connect finished. */
  readonly connected: boolean;
  /** Calls `listener` with every new session (the first one included); returns the unsubscribe function. */
  onSession(listener: (session: Session) => void): () => void;
  /** Starts the first worker. */
  start(): Promise<Session>;
  /** Kills the worker without warning, as a crash would, and starts a new one. */
  crash(): Promise<LoadReport>;
  /** Closes the store, deletes its database and starts over with an empty one. */
  clearDatabase(): Promise<void>;
  /**
   * Starts a new worker after `stale`'s store was closed from elsewhere (another
   * tab cleared the database). Does nothing if `stale` was already replaced.
   */
  reconnect(stale: Session, why: string): Promise<Session>;
}

function startWorker(): Worker {
  return new Worker(new URL('./todos.worker.ts', import.meta.url), { type: 'module', name: 'tidemark demo store' });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createConnection(): Connection {
  let current: (Session & { worker: Worker; end: (why: string) => void }) | null = null;
  let count = 0;
  let busy: Promise<unknown> = Promise.resolve();
  const listeners = new Set<(session: Session) => void>();

  const open = async (): Promise<Session> => {
    const worker = startWorker();
    const store = await connectStore(todos, worker);
    let end!: (why: string) => void;
    const ended = new Promise<string>((resolve) => (end = resolve));
    current = { store, worker, end, ended, number: ++count, startedAt: Date.now() };
    for (const listener of listeners) listener(current);
    return current;
  };

  /** Ends the current session: its worker is terminated and nothing it had pending will settle. */
  const drop = (why: string): void => {
    if (!current) return;
    current.worker.terminate();
    current.end(why);
  };

  // One lifecycle change at a time: a second click waits for the first to finish.
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const next = busy.then(run, run);
    busy = next.catch(() => {});
    return next;
  };

  return {
    get session(): Session {
      if (!current) throw new Error('The store is not connected yet');
      return current;
    },
    get connected() {
      return current !== null;
    },
    onSession(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: () => serial(open),
    crash: () =>
      serial(async () => {
        drop('the worker was crashed');
        return (await open()).store.loadReport;
      }),
    clearDatabase: () =>
      serial(async () => {
        // Let commits in flight finish, but do not wait forever on a worker that stopped answering.
        if (current) await Promise.race([current.store.close().catch(() => {}), sleep(3000)]);
        drop('the database was cleared');
        await deleteStore(todos.name); // the database and tidemark's mark that it held data: not a loss
        await open();
      }),
    reconnect: (stale, why) =>
      serial(async () => {
        if (current !== stale) return current ?? open();
        drop(why);
        return open();
      }),
  };
}
