// Types for bench/run.mjs, so bench/bench.test.ts (and tsc) can use it.
import type { Row } from './pages/harness';
import type { Sizes } from './pages/sizes';

/** A row after `resolveRatios`. */
export interface ResultRow extends Row {
  /** value / ref's value (same unit); null when the ref is missing or not comparable. */
  ratio?: number | null;
  /** For speeds and times: > 1 means faster than the ref. */
  speedup?: number;
  /** Why `ratio` is null. */
  refProblem?: string;
  /** Size rows: the budget in bytes of min+gzip (KB = 1000 B). */
  budget?: number;
  /** Size rows: whether `value` is within `budget`. */
  budgetMet?: boolean;
}

export interface RunMeta {
  date: string;
  profile: 'full' | 'quick' | 'partial';
  chromium: string;
  userAgent: string;
  storage: string;
  cores: number;
  cpu: string;
  platform: string;
  node: string;
  loadavg: [number, number];
  crossOriginIsolated: boolean;
  suites: string[];
  sizes: Sizes | null;
  durationMs: number;
}

export interface Results {
  meta: RunMeta;
  rows: ResultRow[];
}

export interface RunOptions {
  /** Tiny sizes: proves every path works, in well under 20 s. */
  quick?: boolean;
  /** Suite names: raw-idb, dexie, persist, decode-floor, tidemark (page), size (Node). */
  only?: string[];
  /** Incognito context, IndexedDB in memory; default is an on-disk profile. */
  memory?: boolean;
  /** Build the entries, measure min+gzip and check each against its budget. @default true */
  bundle?: boolean;
  log?: (line: string) => void;
}

export declare const RESULTS_DIR: string;
export declare function runBenchmarks(options?: RunOptions): Promise<Results>;
export declare function writeResults(
  results: Results,
  options?: { dir?: string; base?: string },
): Promise<{ json: string; svg: string; loadSvg: string }>;
export declare function resolveRatios(rows: Row[]): ResultRow[];
export declare function renderTable(results: Results): string;
export declare function renderChart(results: Results): string;
/** Load time by history length, and by state size beside its floor. */
export declare function renderLoadChart(results: Results): string;
