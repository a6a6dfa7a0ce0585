import { RemoteFault, type Remote } from './remote.js';

/** One call to a remote, as a fault injector sees it. */
export interface RemoteCall {
  op: 'create' | 'get' | 'list' | 'delete';
  /** The key, or the listed prefix. */
  key: string;
}

/**
 * What to do to a call: `drop` fails it before it reaches the server;
 * `lose-answer` lets it take effect, then fails it as if the answer was lost;
 * `unavailable` answers 503; `deny` answers 403; undefined lets it through.
 */
export type RemoteFaultInjection = 'drop' | 'lose-answer' | 'unavailable' | 'deny' | undefined;

/**
 * Wraps a remote so that `faults` decides, call by call, whether the network
 * drops it, loses its answer, or the server refuses it: for testing how an
 * app (and tidemark) behaves on a bad network, against a real server too.
 */
export function faultyRemote(remote: Remote, faults: (call: RemoteCall) => RemoteFaultInjection): Remote {
  const call = async <T>(op: RemoteCall['op'], key: string, run: () => Promise<T>): Promise<T> => {
    const fault = faults({ op, key });
    const where = `${op} ${remote.target}${key}`;
    if (fault === 'drop') throw new RemoteFault('transient', `${where}: the connection dropped (injected)`);
    if (fault === 'unavailable') throw new RemoteFault('transient', `${where}: 503 SlowDown (injected)`, 503);
    if (fault === 'deny') throw new RemoteFault('denied', `${where}: 403 AccessDenied (injected)`, 403);
    const result = await run();
    if (fault === 'lose-answer') throw new RemoteFault('transient', `${where}: the answer was lost (injected)`);
    return result;
  };
  return {
    target: remote.target,
    ...(remote.policy && { policy: remote.policy }),
    ...(remote.mode && { mode: remote.mode }),
    create: (key, bytes, signal) => call('create', key, () => remote.create(key, bytes, signal)),
    get: (key, signal) => call('get', key, () => remote.get(key, signal)),
    list: (prefix, options, signal) => call('list', prefix, () => remote.list(prefix, options, signal)),
    delete: (key, signal) => call('delete', key, () => remote.delete(key, signal)),
  };
}
