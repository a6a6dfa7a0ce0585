import { refuseDataLoss, type DataLossPolicy } from '../src/data-loss.js';
import type { EventOf, Reducers, StoreDefinition } from '../src/define-store.js';
import { Listeners } from '../src/listeners.js';
import { persistOnce, requestPersistence } from '../src/persistence.js';
import type { Store } from '../src/store.js';
import { Engine, type EngineOptions } from './engine.js';

/** Options of `openStore`. */
export interface OpenStoreOptions extends EngineOptions {
  /**
   * When the store's data is found gone (the browser deleted the database,
   * see `LoadReport.dataLoss`): `'reject'` fails with `DATA_LOST`;
   * `'open-empty'` opens the empty store and reports it in `loadReport.dataLoss`.
   * @default 'reject'
   */
  onDataLoss?: DataLossPolicy;
  /**
   * Ask for persistent storage (`store.persist()`) at the first commit, as
   * `connectStore`'s option of the same name does. Does nothing in Node.
   * @default false
   */
  persistOnFirstCommit?: boolean;
}

/**
 * Opens a store on this thread, with no worker: for tests, Node (with
 * fake-indexeddb) and server-side use. Same engine, same database format as
 * `serveStore`; `getState()` is the confirmed state (commits show once durable).
 *
 * @throws TidemarkError `DATA_LOST` (unless `onDataLoss: 'open-empty'`), `VERSION_AHEAD`, `MIGRATION_MISSING`,
 * `JOURNAL_GAP`, `DATA_DAMAGED`, `STORAGE_FAILED`.
 */
export async function openStore<S, R extends Reducers<S>>(
  def: StoreDefinition<S, R>,
  options: OpenStoreOptions = {},
): Promise<Store<S, EventOf<R>>> {
  const engine = await Engine.open(def as unknown as StoreDefinition<unknown, Reducers<unknown>>, options);
  try {
    refuseDataLoss(def.name, engine.loadReport, options.onDataLoss);
  } catch (error) {
    await engine.close();
    throw error;
  }
  const askPersistence = persistOnce(options.persistOnFirstCommit ?? false);
  const listeners = new Listeners<S>(() => engine.getState() as S);
  let previous = engine.getState() as S;
  engine.subscribe(() => {
    const state = engine.getState() as S;
    const before = previous;
    previous = state;
    listeners.notify(state, before);
  });

  return {
    getState: () => engine.getState() as S,
    getConfirmedState: () => engine.getState() as S,
    get confirmedSeq() {
      return engine.getSeq();
    },
    get closedReason() {
      return engine.closedReason;
    },
    subscribe: listeners.subscribe,
    commit: (...events) => {
      askPersistence();
      return engine.commit(events);
    },
    commitWith: (commitOptions, ...events) => {
      askPersistence();
      return engine.commit(events, undefined, commitOptions);
    },
    checkpoint: () => engine.checkpoint('manual'),
    stats: () => engine.stats(),
    persist: requestPersistence,
    get pendingCommits() {
      return engine.pendingCommits;
    },
    whenSaved: () => engine.whenSaved(),
    get remote() {
      return engine.remoteStatus;
    },
    whenUploaded: () => engine.whenSaved().then(() => engine.whenUploaded()),
    restoreFromRemote: (restoreOptions = {}) => engine.restoreFromRemote(restoreOptions),
    history: (historyOptions) => engine.history(historyOptions),
    stateAt: async (seq) => (await engine.stateAt(seq)).state as S,
    verify: () => engine.verify(),
    rewind: (toSeq) => engine.whenSaved().then(() => engine.rewind(toSeq)),
    rewinds: () => engine.rewinds(),
    exportBackup: () => engine.whenSaved().then(() => engine.exportBackup()),
    importBackup: (file, importOptions) => engine.importBackup(file, importOptions),
    get loadReport() {
      return engine.loadReport;
    },
    close: () => engine.close(),
  };
}
