// What every benchmark module shares: the row a measurement becomes, the
// context a suite runs in, the ~100-byte event, and small IndexedDB helpers.
// Runs in the page (headless Chromium, served by Vite).
import type { Sizes } from './sizes';

/**
 * How a figure is read. Throughput units are better when higher, the others
 * when lower; a row's `ref` must have the same unit for a ratio to be shown.
 */
export type Unit = 'ops/s' | 'MB/s' | 'ms' | 'bytes';

/** Which colour a row gets in the table and the chart. */
export type Group = 'floor' | 'peer' | 'tidemark' | 'size';

/** One figure. `bench/run.mjs` prints it, charts it and writes it to JSON. */
export interface Row {
  /** Stable key, e.g. `raw.tx-per-event.strict`; other rows' `ref` point at it. */
  name: string;
  /** What a reader sees in the table and on the chart. */
  label: string;
  group: Group;
  unit: Unit;
  /** Median of `samples` (or the single measurement); null when not measured, see `note`. */
  value: number | null;
  /** Operations (events, changes, commits, decodes) behind each sample. */
  n: number;
  /** Bytes each operation handles, when that is the point (state size); the table adds MB/s. */
  bytes?: number;
  /** Name of the row (from any suite of the same run) this one is a ratio to. */
  ref?: string;
  /** Put the row on the chart of write throughput (unit must be ops/s). */
  chart?: boolean;
  /** Anything a reader needs to read the figure right: setup, split of the time. */
  note?: string;
  /** Every repeat, in the row's unit; `value` is their median. */
  samples?: number[];
}

/** What a suite gets from the registry. */
export interface BenchContext {
  sizes: Sizes;
  quick: boolean;
  /** The S3 server for the remote rows (a bucket per run is made in it), when there is one. */
  s3?: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string; region: string };
  /**
   * A database name no earlier run used. The registry deletes every name it
   * handed out when the run ends; call `dropDatabase` to free disk sooner.
   */
  dbName(label: string): string;
  dropDatabase(name: string): Promise<void>;
  /** Progress line, shown on the Node side while the run goes. */
  log(message: string): void;
}

/** One benchmark module: runs its measurements in sequence and returns rows. */
export interface Suite {
  /** Short id, used by `node bench/run.mjs --only name,name`. */
  name: string;
  run(ctx: BenchContext): Promise<Row[]>;
}

// ---------------------------------------------------------------- numbers

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The value below which `p` percent of `values` fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Two rows, `<name>.p50` and `<name>.p99`, in ms, from every latency
 * measured (all repeats pooled). A `ref` gets the same suffixes, so
 * `ref: RAW.latencyStrict` compares p50 with p50 and p99 with p99.
 */
export function latencyRows(
  fields: Omit<Row, 'unit' | 'value' | 'samples' | 'n'>,
  latenciesMs: readonly number[],
): Row[] {
  return ([50, 99] as const).map((p) => ({
    ...fields,
    name: `${fields.name}.p${p}`,
    label: `${fields.label}, p${p}`,
    unit: 'ms',
    value: percentile(latenciesMs, p),
    n: latenciesMs.length,
    ...(fields.ref ? { ref: `${fields.ref}.p${p}` } : {}),
  }));
}

/** A throughput row whose value is the median of per-repeat rates. */
export function rateRow(
  fields: Omit<Row, 'unit' | 'value' | 'samples'>,
  opsPerSecond: number[],
): Row {
  return { ...fields, unit: 'ops/s', value: median(opsPerSecond), samples: opsPerSecond };
}

/** A time row whose value is the median of per-repeat milliseconds. */
export function msRow(fields: Omit<Row, 'unit' | 'value' | 'samples'>, ms: number[]): Row {
  return { ...fields, unit: 'ms', value: median(ms), samples: ms };
}

/** Milliseconds `fn` takes. */
export async function time(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** `1 MB`, `100 KB`, `10k`: the size part of row names and labels. */
export function sizeLabel(bytes: number): string {
  if (bytes >= 1e6) return `${+(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${+(bytes / 1e3).toFixed(1)} KB`;
  return `${bytes} B`;
}

export function countLabel(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

/** Lets the page breathe (and collects garbage when Chromium runs with --expose-gc). */
export async function settle(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

// ---------------------------------------------------------------- events

/** The event every benchmark writes; its JSON is exactly EVENT_BYTES long. */
export interface AddedEvent {
  type: 'added';
  id: string;
  text: string;
}

export const EVENT_BYTES = 100;

const WORDS = ['buy', 'milk', 'call', 'the', 'plumber', 'about', 'kitchen', 'sink', 'water',
  'plants', 'book', 'flights', 'to', 'Lisbon', 'renew', 'passport', 'before', 'June'];

/** Deterministic: event `i` is the same in every run and every suite. */
export function makeEvent(i: number): AddedEvent {
  const id = `todo-${i.toString(36).padStart(8, '0')}`;
  // {"type":"added","id":"todo-xxxxxxxx","text":"…"} is 47 bytes around the text.
  const textLength = EVENT_BYTES - 47;
  let text = '';
  for (let w = i; text.length < textLength; w = (w * 7 + 3) % 1009) {
    text += (text ? ' ' : '') + WORDS[w % WORDS.length];
  }
  return { type: 'added', id, text: text.slice(0, textLength) };
}

export function makeEvents(from: number, count: number): AddedEvent[] {
  const events = new Array<AddedEvent>(count);
  for (let k = 0; k < count; k++) events[k] = makeEvent(from + k);
  return events;
}

// ---------------------------------------------------------------- IndexedDB

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves on `complete`, the moment IndexedDB calls the write durable. */
export function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

/** Opens a fresh database with out-of-line, auto-increment stores (as Dexie's `'++'`). */
export function openDatabase(name: string, stores: readonly string[]): Promise<IDBDatabase> {
  const req = indexedDB.open(name, 1);
  req.onupgradeneeded = () => {
    for (const store of stores) req.result.createObjectStore(store, { autoIncrement: true });
  };
  return request(req);
}

/**
 * Deletes a database. `blocked` is normal for a moment after `close()`
 * (the connection closes when its last transaction ends), but a connection
 * left open would block for ever: that rejects after `blockedMs`.
 */
export function deleteDatabase(name: string, blockedMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => {
      clearTimeout(timer);
      resolve();
    };
    req.onerror = () => {
      clearTimeout(timer);
      reject(req.error);
    };
    req.onblocked = () => {
      timer ??= setTimeout(() => reject(new Error(
        `deleting database ${name} is blocked: a benchmark left a connection open (close it first)`)), blockedMs);
    };
  });
}
