// The page side of the remote tests: a store whose worker backs up to a real
// S3 bucket. Helpers on window.rm return plain data for page.evaluate.
import { connectStore, hashState, type ClientStore, type LoadReport, type RemoteStatus } from 'tidemark';
import { engineStore, type EngineEvent, type EngineState, type EngineStoreConfig } from './engine.store';

export interface RemotePageConfig {
  store: EngineStoreConfig;
  /** Backup (the default) or sync. */
  mode?: 'backup' | 'sync';
  s3: { endpoint: string; bucket: string; prefix: string; accessKeyId: string; secretAccessKey: string; region: string };
}

let worker: Worker | undefined;
let store: ClientStore<EngineState, EngineEvent> | undefined;
/** Every remote status the page was told of, in order. */
const statuses: RemoteStatus['status'][] = [];

function current() {
  if (!store) throw new Error('rm: call rm.connect(config) first');
  return store;
}

const api = {
  async connect(config: RemotePageConfig): Promise<{ hash: string; seq: number; loadReport: LoadReport; remote: RemoteStatus }> {
    worker = new Worker(new URL('./remote.worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(config) });
    const connected = await connectStore(engineStore(config.store), worker);
    store = connected;
    statuses.length = 0;
    statuses.push(connected.remote.status);
    connected.subscribe(() => {
      if (store === connected && statuses[statuses.length - 1] !== connected.remote.status) statuses.push(connected.remote.status);
    });
    return { hash: hashState(connected.getState()), seq: connected.confirmedSeq, loadReport: connected.loadReport, remote: connected.remote };
  },
  /** Commits n1…n2 as `appended` events, without awaiting each; resolves with the last seq. */
  async append(from: number, to: number): Promise<number> {
    const results = await Promise.all(Array.from({ length: to - from + 1 }, (_, i) => current().commit({ type: 'appended', n: from + i })));
    return results[results.length - 1]!.seq;
  },
  /** Appends forever in small bursts (for a kill mid-upload); returns at once. */
  appendForever(from: number): void {
    let n = from;
    const burst = (): void => {
      if (!store) return;
      for (let i = 0; i < 5; i++) void current().commit({ type: 'appended', n: n++ }).catch(() => {});
      setTimeout(burst, 2);
    };
    burst();
  },
  whenUploaded: () => current().whenUploaded(),
  remote: (): RemoteStatus => current().remote,
  statuses: () => [...statuses],
  state: () => ({
    hash: hashState(current().getState()),
    seq: current().confirmedSeq,
    length: current().getState().list.length,
    list: current().getState().list,
  }),
  /** Kills the worker like a crash: no goodbye, no last snapshot. */
  kill(): void {
    worker?.terminate();
    worker = undefined;
    store = undefined;
  },
};

export type RemotePageApi = typeof api;
(window as unknown as { rm: RemotePageApi }).rm = api;
