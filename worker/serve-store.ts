import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { toWireError } from '../src/error-transfer.js';
import { TidemarkError } from '../src/errors.js';
import { PROTOCOL_VERSION, type Endpoint, type HelloMessage, type HelloReply, type HelloRequest, type PageMessage, type WorkerApi, type WorkerChange } from '../src/protocol.js';
import { Engine, type EngineChange, type EngineOptions } from './engine.js';
import type { Draft } from './load.js';

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
 * Runs a store's engine in this worker and answers pages that `connectStore`
 * to it, each over a MessagePort of its own. Call it once, at the top level of the worker module:
 *
 * ```ts
 * import { serveStore } from 'tidemark/worker';
 * import { todos } from './todos.store';
 * serveStore(todos);
 * ```
 */
export function serveStore<S, R extends Reducers<S>>(def: StoreDefinition<S, R>, options: ServeStoreOptions = {}): ServedStore {
  const anyDef = def as unknown as StoreDefinition<unknown, Reducers<unknown>>;
  // Pages that said hello while the engine opens, each with the draft it was sent.
  const waiting = new Map<MessagePort, Draft | undefined>();
  let draft: Draft | undefined;
  const sendDraft = (port: MessagePort, loading: Draft): void => {
    // The same draft again brings its commits (see OnDraft): the page is sent those alone.
    const change: WorkerChange = waiting.get(port) === loading ? { type: 'draft', commits: loading.commits } : { type: 'draft', stateJson: loading.json, commits: loading.commits };
    port.postMessage(change);
    waiting.set(port, loading);
  };
  const opening = Engine.open(anyDef, options, (loading) => {
    draft = loading;
    for (const port of waiting.keys()) sendDraft(port, loading);
  });
  // A failure is reported to every page in the hello's answer, and through `ready`.
  opening.finally(() => (draft = undefined)).catch(() => {});
  const ports = new Map<string, MessagePort>();
  let clients = 0;

  const forward = (engine: Engine, change: EngineChange): void => {
    const message: WorkerChange =
      change.type === 'reset' ? { type: 'reset', seq: change.seq, stateJson: engine.getStateJson(), ...(change.report && { report: change.report }) } : change;
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
    } else if (message.type === 'call') {
      const method = api[message.method] as (...args: unknown[]) => Promise<unknown>;
      const reply = (change: WorkerChange) => port.postMessage(change);
      Promise.resolve()
        .then(() => method(...message.args))
        .then((value) => reply({ type: 'answer', id: message.id, value }))
        .catch((error: unknown) => reply({ type: 'answer', id: message.id, error: toWireError(error) })); // a throw, or a value that cannot be cloned
    } else if (message.type === 'goodbye') {
      void engine.whenSaved().then(() => {
        port.postMessage({ type: 'bye' } satisfies WorkerChange);
        ports.delete(clientId);
        port.close();
      });
    }
  };

  /** Why a page's hello is refused (another build, another store), or undefined. */
  const refusal = (request: HelloRequest): TidemarkError | undefined => {
    if (request.protocol !== PROTOCOL_VERSION) {
      return new TidemarkError(
        'PROTOCOL_MISMATCH',
        `The page speaks tidemark protocol ${request.protocol} and the worker ${PROTOCOL_VERSION}: they come from different builds. ` +
          'Rebuild so both import the same tidemark, and reload.',
      );
    }
    if (request.name !== def.name || request.version !== def.version) {
      return new TidemarkError(
        'STORE_MISMATCH',
        `The page asked for store "${request.name}" v${request.version}, but this worker serves "${def.name}" v${def.version}. ` +
          'Pass the worker that calls serveStore() with the same store definition.',
      );
    }
    return undefined;
  };

  /** Serves a page on `port`: its state now, then every change after it, in one task so none falls between. */
  const welcome = (engine: Engine, port: MessagePort): void => {
    const clientId = `${engine.id}.${++clients}`;
    const sent = waiting.get(port);
    waiting.delete(port);
    // A page that has the state as a draft is not sent it again (nor made to wait for its JSON.stringify).
    const drafted = sent !== undefined && engine.isStateOf(sent);
    const value: HelloReply = { clientId, seq: engine.getSeq(), ...(!drafted && { stateJson: engine.getStateJson() }), report: engine.loadReport, remote: engine.remoteStatus };
    port.postMessage({ type: 'answer', id: 0, value } satisfies WorkerChange);
    ports.set(clientId, port);
    port.onmessage = (message: MessageEvent<PageMessage>) => answer(engine, clientId, port, message.data);
  };

  const api = {
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

  // A page's first message, on the worker itself: the port everything else goes over.
  const endpoint = options.endpoint ?? (globalThis as unknown as Endpoint);
  const onHello = (event: MessageEvent): void => {
    const message = event.data as HelloMessage | undefined;
    if (message?.type !== 'tidemark:hello') return;
    const { request, port } = message;
    const refuse = (error: unknown): void => {
      waiting.delete(port);
      port.postMessage({ type: 'answer', id: 0, error: toWireError(error) } satisfies WorkerChange);
      port.close();
    };
    const refused = refusal(request);
    if (refused) return refuse(refused);
    waiting.set(port, undefined);
    if (draft !== undefined) sendDraft(port, draft);
    // welcome throws when the state the load left unbuilt does not build (a reducer throws): the page is told.
    opening.then((engine) => welcome(engine, port)).catch(refuse);
  };
  endpoint.addEventListener('message', onHello);
  endpoint.start?.();
  const ready = opening.then(() => {});
  ready.catch(() => {}); // an unawaited `ready` must not become an uncaught error in the worker
  return {
    ready,
    async close() {
      endpoint.removeEventListener('message', onHello);
      for (const port of ports.values()) port.close();
      ports.clear();
      await (await opening).close();
    },
  };
}
