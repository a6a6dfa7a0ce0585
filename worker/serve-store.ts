import { expose, type Endpoint } from 'comlink';
import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { installErrorTransfer, toWireError } from '../src/error-transfer.js';
import { TidemarkError } from '../src/errors.js';
import { PROTOCOL_VERSION, type PageMessage, type WorkerApi, type WorkerChange } from '../src/protocol.js';
import { Engine, type EngineChange, type EngineOptions } from './engine.js';

/** Options of `serveStore`. */
export interface ServeStoreOptions extends EngineOptions {
  /**
   * Where to answer pages. Tests pass one end of a MessageChannel.
   * @default the worker's global scope (`self`)
   */
  endpoint?: Endpoint;
}

/** What `serveStore` returns, mostly for tests. */
export interface ServedStore {
  /** Resolves once the state is loaded; rejects with the load error (the pages get it too). */
  ready: Promise<void>;
  /** Closes the engine (finishing pending commits) and stops answering. */
  close(): Promise<void>;
}

/**
 * Runs a store's engine in this worker and answers `connectStore` calls from
 * pages over Comlink. Call it once, at the top level of the worker module:
 *
 * ```ts
 * import { serveStore } from 'tidemark/worker';
 * import { todos } from './todos.store';
 * serveStore(todos);
 * ```
 */
export function serveStore<S, R extends Reducers<S>>(def: StoreDefinition<S, R>, options: ServeStoreOptions = {}): ServedStore {
  installErrorTransfer();
  const anyDef = def as unknown as StoreDefinition<unknown, Reducers<unknown>>;
  const opening = Engine.open(anyDef, options);
  opening.catch(() => {}); // reported to every page through hello(), and through `ready`
  const ports = new Map<string, MessagePort>();
  let clients = 0;

  const forward = (engine: Engine, change: EngineChange): void => {
    const message: WorkerChange =
      change.type === 'reset' ? { type: 'reset', seq: change.seq, stateJson: engine.getStateJson() } : change;
    for (const port of ports.values()) port.postMessage(message);
  };
  void opening.then((engine) => engine.subscribe((change) => forward(engine, change)), () => {});

  // A page's commits are confirmed by the `commits` change every page gets (forward, above).
  const answer = (engine: Engine, clientId: string, port: MessagePort, message: PageMessage): void => {
    if (message.type === 'commit') {
      for (const { events, origin } of message.commits) {
        engine.commit(events, origin, message.options).catch((error: unknown) => {
          port.postMessage({ type: 'rejected', origin, error: toWireError(error) } satisfies WorkerChange);
        });
      }
    } else if (message.type === 'goodbye') {
      void engine.whenSaved().then(() => {
        port.postMessage({ type: 'bye' } satisfies WorkerChange);
        ports.delete(clientId);
        port.close();
      });
    }
  };

  const api = {
    async hello(request, port) {
      if (request.protocol !== PROTOCOL_VERSION) {
        throw new TidemarkError(
          'PROTOCOL_MISMATCH',
          `The page speaks tidemark protocol ${request.protocol} and the worker ${PROTOCOL_VERSION}: they come from different builds. ` +
            'Rebuild so both import the same tidemark, and reload.',
        );
      }
      if (request.name !== def.name || request.version !== def.version) {
        throw new TidemarkError(
          'STORE_MISMATCH',
          `The page asked for store "${request.name}" v${request.version}, but this worker serves "${def.name}" v${def.version}. ` +
            'Pass the worker that calls serveStore() with the same store definition.',
        );
      }
      const engine = await opening;
      const clientId = `${engine.id}.${++clients}`;
      ports.set(clientId, port);
      port.onmessage = (message: MessageEvent<PageMessage>) => answer(engine, clientId, port, message.data);
      return { clientId, seq: engine.getSeq(), stateJson: engine.getStateJson(), report: engine.loadReport, remote: engine.remoteStatus };
    },
    async checkpoint(reason) {
      const engine = await opening;
      return reason === 'hidden' ? engine.checkpointIfCooledDown() : engine.checkpoint('manual');
    },
    async stats() {
      return (await opening).stats();
    },
    async whenUploaded() {
      return (await opening).whenUploaded();
    },
    async restoreFromRemote(restoreOptions) {
      return (await opening).restoreFromRemote(restoreOptions);
    },
    async history(historyOptions) {
      return (await opening).history(historyOptions);
    },
    async stateAt(seq) {
      return JSON.stringify((await (await opening).stateAt(seq)).state);
    },
    async verify() {
      return (await opening).verify();
    },
    async rewind(toSeq) {
      return (await opening).rewind(toSeq);
    },
    async rewinds() {
      return (await opening).rewinds();
    },
    async exportBackup() {
      return (await opening).exportBackup();
    },
    async importBackup(file, importOptions) {
      return (await opening).importBackup(file, importOptions);
    },
    async catchUp() {
      (await opening).catchUp();
    },
    async state() {
      const engine = await opening;
      return { seq: engine.getSeq(), stateJson: engine.getStateJson() };
    },
  } satisfies WorkerApi;

  expose(api, options.endpoint);
  const ready = opening.then(() => {});
  ready.catch(() => {}); // an unawaited `ready` must not become an uncaught error in the worker
  return {
    ready,
    async close() {
      for (const port of ports.values()) port.close();
      ports.clear();
      await (await opening).close();
    },
  };
}
