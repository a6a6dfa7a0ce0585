import { RemoteFault, type ListOptions, type Remote, type RemotePolicy } from './remote.js';

/** One call to a memory remote, as a fault injector sees it. */
export interface RemoteCall {
  op: 'create' | 'get' | 'list' | 'delete';
  key: string;
}

/**
 * What to do to a call: `drop` fails it before it reaches the "server";
 * `lose-answer` lets it take effect, then fails it as if the answer was lost;
 * `unavailable` answers 503; `deny` answers 403.
 */
export type RemoteFaultInjection = 'drop' | 'lose-answer' | 'unavailable' | 'deny' | undefined;

/** Options of `memoryRemote`. */
export interface MemoryRemoteOptions extends RemotePolicy {
  /** Objects shared with other memory remotes (one "bucket" for several devices). @default a new, empty Map */
  objects?: Map<string, Uint8Array>;
  /** Called before every call; its answer injects a fault. */
  faults?: (call: RemoteCall) => RemoteFaultInjection;
  /** Name in messages. @default 'memory://' */
  target?: string;
}

/** A memory remote, plus its objects for tests to inspect or damage. */
export interface MemoryRemote extends Remote {
  readonly objects: Map<string, Uint8Array>;
}

/**
 * An in-memory remote with S3's semantics (create-if-absent, ordered
 * listing): for tests and demos; fast, never the proof that S3 works.
 */
export function memoryRemote(options: MemoryRemoteOptions = {}): MemoryRemote {
  const { objects = new Map<string, Uint8Array>(), faults, target = 'memory://', ...policy } = options;

  const call = async <T>(op: RemoteCall['op'], key: string, run: () => T): Promise<T> => {
    await Promise.resolve(); // answers are never synchronous on a network
    const fault = faults?.({ op, key });
    const where = `${op} ${target}${key}`;
    if (fault === 'drop') throw new RemoteFault('transient', `${where}: the connection dropped (injected)`);
    if (fault === 'unavailable') throw new RemoteFault('transient', `${where}: 503 SlowDown (injected)`, 503);
    if (fault === 'deny') throw new RemoteFault('denied', `${where}: 403 AccessDenied (injected)`, 403);
    const result = run();
    if (fault === 'lose-answer') throw new RemoteFault('transient', `${where}: the answer was lost (injected)`);
    return result;
  };

  return {
    target,
    policy,
    objects,
    create: (key, bytes) =>
      call('create', key, () => {
        if (objects.has(key)) return false;
        objects.set(key, bytes.slice());
        return true;
      }),
    get: (key) => call('get', key, () => objects.get(key)?.slice()),
    list: (prefix, listOptions: ListOptions = {}) =>
      call('list', prefix, () => {
        const keys = [...objects.keys()]
          .filter((key) => key.startsWith(prefix) && (listOptions.startAfter === undefined || key > listOptions.startAfter))
          .sort();
        return listOptions.limit === undefined ? keys : keys.slice(0, listOptions.limit);
      }),
    delete: (key) =>
      call('delete', key, () => {
        objects.delete(key);
      }),
  };
}
