import { faultyRemote, type RemoteCall, type RemoteFaultInjection } from './faulty-remote.js';
import type { ListOptions, Remote, RemotePolicy } from './remote.js';

/** Options of `memoryRemote`. */
export interface MemoryRemoteOptions extends RemotePolicy {
  /** Objects shared with other memory remotes (one "bucket" for several devices). @default a new, empty Map */
  objects?: Map<string, Uint8Array>;
  /** Called before every call; its answer injects a fault (see faultyRemote). */
  faults?: (call: RemoteCall) => RemoteFaultInjection;
  /** Name in messages. @default 'memory://' */
  target?: string;
  /** Backup (one writer) or sync (devices share one log). @default 'backup' */
  mode?: 'backup' | 'sync';
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
  const { objects = new Map<string, Uint8Array>(), faults, target = 'memory://', mode, ...policy } = options;
  const answer = async <T>(run: () => T): Promise<T> => {
    await Promise.resolve(); // answers are never synchronous on a network
    return run();
  };
  const remote: Remote = {
    target,
    policy,
    ...(mode && { mode }),
    create: (key, bytes) =>
      answer(() => {
        if (objects.has(key)) return false;
        objects.set(key, bytes.slice());
        return true;
      }),
    get: (key) => answer(() => objects.get(key)?.slice()),
    list: (prefix, listOptions: ListOptions = {}) =>
      answer(() => {
        const keys = [...objects.keys()]
          .filter((key) => key.startsWith(prefix) && (listOptions.startAfter === undefined || key > listOptions.startAfter))
          .sort();
        return listOptions.limit === undefined ? keys : keys.slice(0, listOptions.limit);
      }),
    delete: (key) =>
      answer(() => {
        objects.delete(key);
      }),
  };
  return { ...(faults ? faultyRemote(remote, faults) : remote), objects };
}
