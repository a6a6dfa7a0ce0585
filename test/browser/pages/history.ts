// The page side of the history tests: the engine page's store and worker
// (engine.store.ts, engine.worker.ts), driven through the public API only,
// with helpers published as window.th for test/browser/history.test.ts.
import { connectStore, hashState, isTidemarkError, type ClientStore, type HistoryOptions } from 'tidemark';
import { engineStore, numberedCommit, type EngineEvent, type EngineState, type EngineStoreConfig } from './engine.store';

type Client = ClientStore<EngineState, EngineEvent>;

/** A call's result, or its error's code and message (codes cross page.evaluate as plain data). */
export type Result<T> = { ok: true; value: T } | { ok: false; code: string | undefined; message: string };

let worker: Worker | undefined;
let store: Client | undefined;

function current(): Client {
  if (!store) throw new Error('th: not connected; call th.connect(config) first');
  return store;
}

async function result<T>(run: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, code: isTidemarkError(error) ? error.code : undefined, message: error instanceof Error ? error.message : String(error) };
  }
}

const api = {
  /** A new module worker serving `config`'s store, and the page connected to it. */
  async connect(config: EngineStoreConfig): Promise<Result<{ seq: number; hash: string }>> {
    worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: JSON.stringify(config) });
    const started = worker;
    return result(async () => {
      store = await connectStore(engineStore(config), started, { checkpointOnHide: false });
      return { seq: store.confirmedSeq, hash: hashState(store.getState()) };
    });
  },
  /** Kills the worker at once, as a crash would. */
  terminate(): void {
    worker?.terminate();
    worker = undefined;
    store = undefined;
  },
  async commitNumbered(from: number, to: number): Promise<number> {
    const s = current();
    const commits = [];
    for (let n = from; n <= to; n++) commits.push(s.commit(...numberedCommit(n)));
    return (await Promise.all(commits)).at(-1)?.seq ?? 0;
  },
  checkpoint: () => result(() => current().checkpoint()),
  state() {
    const s = current();
    return { seq: s.confirmedSeq, hash: hashState(s.getState()), list: s.getState().list };
  },
  history: (options: HistoryOptions) => result(() => current().history(options)),
  stateAt: (seq: number) => result(async () => hashState(await current().stateAt(seq))),
  verify: () => result(() => current().verify()),
  rewind: (toSeq: number) => result(() => current().rewind(toSeq)),
  rewinds: () => result(() => current().rewinds()),
  /** The backup file's bytes, base64, to carry to another profile. */
  exportBackup: () =>
    result(async () => {
      const bytes = new Uint8Array(await (await current().exportBackup()).arrayBuffer());
      let text = '';
      for (const byte of bytes) text += String.fromCharCode(byte);
      return btoa(text);
    }),
  importBackup: (base64: string, replace = false) =>
    result(() => current().importBackup(new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))]), { replace })),
  /**
   * Starts rewind(toSeq) and terminates the worker `killAfterMs` later (0:
   * in the same task). Says whether the rewind had resolved by then.
   */
  async rewindThenKill(toSeq: number, killAfterMs: number): Promise<{ resolvedBeforeKill: boolean }> {
    const s = current();
    const w = worker!;
    let resolved = false;
    s.rewind(toSeq).then(() => (resolved = true), () => {});
    await new Promise((resolve) => setTimeout(resolve, killAfterMs));
    w.terminate();
    worker = undefined;
    store = undefined;
    return { resolvedBeforeKill: resolved };
  },
  /** Resolves once the store's confirmed seq reaches `seq`. */
  async waitForSeq(seq: number, timeoutMs = 10_000): Promise<{ seq: number; hash: string }> {
    const s = current();
    const deadline = performance.now() + timeoutMs;
    while (s.confirmedSeq < seq && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return { seq: s.confirmedSeq, hash: hashState(s.getState()) };
  },
};

export type HistoryPageApi = typeof api;
(window as unknown as { th: HistoryPageApi }).th = api;
