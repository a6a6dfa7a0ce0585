// An IndexedDB factory that fails on purpose, for tests of error handling:
// the faults a fake cannot produce (a full disk, a transaction aborted under
// the app, a database the browser deleted) on any IDBFactory, the browser's
// or fake-indexeddb's. Every object is the real one behind a Proxy, so
// `instanceof`, idb and tidemark see ordinary IndexedDB.

/** The faults in force. Change them at any time through `FaultyIndexedDB.faults`. */
export interface Faults {
  /**
   * Let this many write requests (`put`, `add`, `delete`, `clear`) through,
   * then fail every later one with an `UnknownError` DOMException, aborting
   * its transaction: storage that broke. Raise it again to heal.
   * @default Infinity
   */
  failAfter?: number;
  /**
   * How many bytes the values written by `put` and `add` may add up to
   * (an estimate: string lengths, binary byteLength, 8 per number). The write
   * that would pass it fails with a `QuotaExceededError` DOMException and its
   * transaction aborts, as the browser's quota does. Deletes free nothing:
   * raise it (e.g. to `Infinity`) to give space back.
   * @default Infinity
   */
  quotaBytes?: number;
  /**
   * Abort every Nth readwrite transaction that writes, right after its first
   * write is issued, as a storage failure mid-commit would: the requests and
   * the transaction fail with an `AbortError`, and nothing of it is stored.
   * @default 0 (never)
   */
  abortEvery?: number;
  /**
   * Make the next `open` that creates a database fire `upgradeneeded` with
   * `dataLoss: 'total'` and this `dataLossMessage` (or a default one), as
   * Chromium does after it deleted a corrupt database. Cleared once reported:
   * the browser says it once too.
   * @default undefined (never)
   */
  dataLoss?: string | true;
}

/** What was written and injected so far. */
export interface FaultCounts {
  /** Write requests seen (including the ones failed). */
  writes: number;
  /** Bytes of the values of `put` / `add` in transactions that completed (see Faults.quotaBytes). */
  bytes: number;
  /** Writes failed by `failAfter`. */
  failed: number;
  /** Writes failed by `quotaBytes`. */
  quotaExceeded: number;
  /** Transactions aborted by `abortEvery`. */
  aborted: number;
  /** Opens that reported `dataLoss`. */
  dataLoss: number;
}

/** An IDBFactory with faults: pass it wherever an IndexedDB is taken (`openStore`, `serveStore`). */
export interface FaultyIndexedDB extends IDBFactory {
  /** The faults in force; assign to change them, e.g. `idb.faults.quotaBytes = Infinity`. */
  readonly faults: Faults;
  /** What was written and injected so far. */
  readonly counts: Readonly<FaultCounts>;
}

/** Options of `faultyIndexedDB`: the faults, and the factory to wrap. */
export interface FaultyIndexedDBOptions extends Faults {
  /**
   * The IndexedDB to wrap: the browser's, or a fake-indexeddb `IDBFactory` in Node.
   * @default globalThis.indexedDB
   */
  indexedDB?: IDBFactory;
}

interface TransactionFaults {
  wrote: boolean;
  /** The error the transaction fails with, once a fault was injected into it. */
  doomed: DOMException | null;
  bytes: number;
}

/**
 * Wraps an IndexedDB factory so that writes fail as configured, to test how
 * an app (or tidemark) handles a full disk, a transaction aborted mid-commit,
 * or a wiped database. With tidemark, the commit that meets a fault rejects
 * with `QUOTA_EXCEEDED` or `STORAGE_FAILED` and nothing of it is written.
 *
 * ```ts
 * import { faultyIndexedDB } from 'tidemark/testing';
 * const idb = faultyIndexedDB({ quotaBytes: 50_000 });
 * const store = await openStore(todos, { indexedDB: idb });
 * // … commits until one rejects with QUOTA_EXCEEDED …
 * idb.faults.quotaBytes = Infinity; // space is back
 * ```
 *
 * In a worker, wrap the worker's own factory: `serveStore(def, { indexedDB: faultyIndexedDB() })`.
 */
export function faultyIndexedDB(options: FaultyIndexedDBOptions = {}): FaultyIndexedDB {
  const { indexedDB: inner = globalThis.indexedDB, ...initial } = options;
  if (!inner) throw new Error('faultyIndexedDB: there is no indexedDB here; pass one, e.g. new IDBFactory() from fake-indexeddb.');
  const faults: Faults = { ...initial };
  const counts: FaultCounts = { writes: 0, bytes: 0, failed: 0, quotaExceeded: 0, aborted: 0, dataLoss: 0 };
  let writingTransactions = 0;

  /** Decides whether this write fails, and how; counts it. */
  const faultFor = (tx: TransactionFaults, bytes: number): DOMException | null => {
    counts.writes++;
    if (!tx.wrote) {
      tx.wrote = true;
      writingTransactions++;
      const every = faults.abortEvery ?? 0;
      if (every > 0 && writingTransactions % every === 0) {
        counts.aborted++;
        return new DOMException('faultyIndexedDB aborted this transaction (abortEvery).', 'AbortError');
      }
    }
    if (counts.writes > (faults.failAfter ?? Infinity)) {
      counts.failed++;
      return new DOMException('faultyIndexedDB failed this write (failAfter): the storage broke.', 'UnknownError');
    }
    if (counts.bytes + tx.bytes + bytes > (faults.quotaBytes ?? Infinity)) {
      counts.quotaExceeded++;
      return new DOMException('faultyIndexedDB: the quota (quotaBytes) is exceeded.', 'QuotaExceededError');
    }
    tx.bytes += bytes;
    return null;
  };

  const wrapStore = (store: IDBObjectStore, tx: IDBTransaction, state: TransactionFaults): IDBObjectStore => {
    const write =
      (method: 'put' | 'add' | 'delete' | 'clear', bytesOf: (args: unknown[]) => number) =>
      (...args: unknown[]): IDBRequest => {
        const fault = state.doomed ? null : faultFor(state, bytesOf(args));
        const request = (store[method] as (...a: unknown[]) => IDBRequest)(...args);
        if (!fault) return request;
        state.doomed = fault;
        tx.abort(); // the request and the transaction fail with AbortError; reads of `error` say `fault`
        return withOverrides(request, { error: () => fault });
      };
    return withOverrides(store, {
      put: () => write('put', (args) => estimateBytes(args[0])),
      add: () => write('add', (args) => estimateBytes(args[0])),
      delete: () => write('delete', () => 0),
      clear: () => write('clear', () => 0),
    });
  };

  const wrapTransaction = (tx: IDBTransaction): IDBTransaction => {
    const state: TransactionFaults = { wrote: false, doomed: null, bytes: 0 };
    tx.addEventListener('complete', () => (counts.bytes += state.bytes));
    const stores = new Map<string, IDBObjectStore>();
    return withOverrides(tx, {
      objectStore: () => (name: string) => {
        let store = stores.get(name);
        if (!store) stores.set(name, (store = wrapStore(tx.objectStore(name), tx, state)));
        return store;
      },
      error: () => state.doomed ?? tx.error,
      // A doomed transaction is already aborting: commit() would throw InvalidStateError.
      commit: () => () => {
        if (!state.doomed) tx.commit();
      },
    });
  };

  const wrapDatabase = (db: IDBDatabase): IDBDatabase =>
    withOverrides(db, {
      transaction:
        () =>
        (...args: Parameters<IDBDatabase['transaction']>) =>
          wrapTransaction(db.transaction(...args)),
    });

  const reportDataLoss = (event: Event): Event => {
    const message = faults.dataLoss;
    if (message === undefined || (event as IDBVersionChangeEvent).oldVersion !== 0) return event;
    delete faults.dataLoss;
    counts.dataLoss++;
    return withOverrides(event, {
      dataLoss: () => 'total',
      dataLossMessage: () => (message === true ? 'IndexedDB (database was corrupt): Unknown corruption' : message),
    });
  };

  const wrapOpen = (request: IDBOpenDBRequest): IDBOpenDBRequest => {
    let db: IDBDatabase | undefined;
    const listeners = new Map<unknown, EventListener>();
    const self: IDBOpenDBRequest = withOverrides(
      request,
      {
        result: () => {
          const raw = request.result;
          return (db ??= wrapDatabase(raw));
        },
        addEventListener: () => (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) => {
          if (type !== 'upgradeneeded' || typeof listener !== 'function') return request.addEventListener(type, listener, options as boolean);
          const wrapped: EventListener = (event) => listener.call(self, reportDataLoss(event));
          listeners.set(listener, wrapped);
          request.addEventListener(type, wrapped, options as boolean);
        },
        removeEventListener: () => (type: string, listener: EventListenerOrEventListenerObject, options?: unknown) =>
          request.removeEventListener(type, (listeners.get(listener) as EventListener | undefined) ?? listener, options as boolean),
      },
      {
        onupgradeneeded: (handler: unknown) => {
          request.onupgradeneeded =
            typeof handler === 'function' ? (event) => (handler as EventListener).call(self, reportDataLoss(event)) : null;
        },
      },
    );
    return self;
  };

  return withOverrides(inner, {
    open: () => (name: string, version?: number) => wrapOpen(inner.open(name, version)),
    faults: () => faults,
    counts: () => counts,
  }) as FaultyIndexedDB;
}

/**
 * The object behind a Proxy whose `get` answers from `getters` first, and
 * otherwise reads the real object as itself: native getters and methods
 * check that `this` is the real object, so methods are bound to it.
 */
function withOverrides<T extends object>(
  target: T,
  getters: Record<string, () => unknown>,
  setters: Record<string, (value: unknown) => void> = {},
): T {
  const bound = new Map<PropertyKey, { original: unknown; bound: unknown }>();
  return new Proxy(target, {
    get(real, key) {
      if (typeof key === 'string' && Object.hasOwn(getters, key)) return getters[key]!();
      const value: unknown = Reflect.get(real, key, real);
      if (typeof value !== 'function') return value;
      const cached = bound.get(key);
      if (cached?.original === value) return cached.bound;
      const fresh = (value as (...args: unknown[]) => unknown).bind(real);
      bound.set(key, { original: value, bound: fresh });
      return fresh;
    },
    set(real, key, value) {
      if (typeof key === 'string' && Object.hasOwn(setters, key)) {
        setters[key]!(value);
        return true;
      }
      return Reflect.set(real, key, value, real);
    },
  });
}

/** A rough size of a value as stored: string lengths, binary byteLength, 8 per number. */
function estimateBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value === 'number') return 8;
  if (typeof value !== 'object' || value === null) return 1;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  let bytes = 0;
  for (const [key, item] of Object.entries(value)) bytes += key.length + estimateBytes(item);
  return bytes;
}
