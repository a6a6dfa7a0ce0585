// The registry: every benchmark suite, run one after another in this page.
// `bench/run.mjs` opens bench.html in headless Chromium and calls
// `window.runBench(...)`; the rows it returns become the table, the JSON in
// bench/results/ and the chart.
//
// To add a suite: write `bench/pages/<name>.ts` exporting a `Suite` (see
// harness.ts) and append it to `suites` below. Its rows may set `ref` to the
// name of any row of the same run (RAW.* in raw-idb.ts, decodeRowName() in
// decode-floor.ts, 'dexie.add-per-event', …) and get a ratio to it.
import { type BenchContext, type Row, deleteDatabase, settle } from './harness';
import { type Profile, type Sizes, profiles } from './sizes';
import { rawIdb } from './raw-idb';
import { dexie } from './dexie';
import { persist } from './persist';
import { decodeFloor } from './decode-floor';
import { tidemark } from './tidemark';
import { remote } from './remote';
import type { BenchServer } from './remote';

export const suites = [rawIdb, dexie, persist, decodeFloor, tidemark, remote];

export interface RunOptions {
  profile: Profile;
  /** Suite names to run; all when absent. */
  only?: string[];
  /** The S3 server of the remote rows; without it they are not measured. */
  s3?: BenchServer;
}

export interface BrowserResult {
  userAgent: string;
  /** Full version, e.g. `Chromium 156.0.8078.79` (the user agent string says 156.0.0.0). */
  browser: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  sizes: Sizes;
  suites: string[];
  rows: Row[];
}

declare global {
  interface Window {
    runBench?: (options: RunOptions) => Promise<BrowserResult>;
    /** Set by run.mjs (page.exposeFunction) to show progress in the terminal. */
    benchLog?: (message: string) => Promise<void>;
  }
}

async function runBench({ profile, only, s3 }: RunOptions): Promise<BrowserResult> {
  const sizes = profiles[profile];
  const chosen = only ? suites.filter((s) => only.includes(s.name)) : suites;
  const unknown = only?.filter((name) => !suites.some((s) => s.name === name)) ?? [];
  if (unknown.length) {
    throw new Error(`unknown suite ${unknown.join(', ')}; suites are ${suites.map((s) => s.name).join(', ')}`);
  }
  const runId = Date.now().toString(36);
  const names = new Set<string>();
  let counter = 0;
  const ctx: BenchContext = {
    sizes,
    quick: profile === 'quick',
    ...(s3 && { s3 }),
    dbName: (label) => {
      const name = `bench-${runId}-${counter++}-${label}`;
      names.add(name);
      return name;
    },
    dropDatabase: async (name) => {
      await deleteDatabase(name);
      names.delete(name);
    },
    log: (message) => {
      show(message);
      void window.benchLog?.(message);
    },
  };
  const rows: Row[] = [];
  try {
    for (const suite of chosen) {
      await settle();
      rows.push(...(await suite.run(ctx)));
    }
  } finally {
    for (const name of names) await deleteDatabase(name).catch(() => {});
  }
  return {
    userAgent: navigator.userAgent,
    browser: await browserVersion(),
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated,
    sizes,
    suites: chosen.map((s) => s.name),
    rows,
  };
}

async function browserVersion(): Promise<string> {
  type Brand = { brand: string; version: string };
  const uaData = (navigator as { userAgentData?: {
    getHighEntropyValues(hints: string[]): Promise<{ fullVersionList?: Brand[] }>;
  } }).userAgentData;
  const brands = (await uaData?.getHighEntropyValues(['fullVersionList']))?.fullVersionList ?? [];
  const brand = brands.find((b) => /Chrom/.test(b.brand)) ?? brands.find((b) => !/Not/.test(b.brand));
  return brand ? `${brand.brand} ${brand.version}` : navigator.userAgent;
}

function show(message: string) {
  const log = document.getElementById('log');
  if (log) log.textContent += `${message}\n`;
}

window.runBench = runBench;

// Opened by hand (`npm run demo`, then /bench/pages/bench.html): a button
// that runs the quick profile and shows the rows.
if (!navigator.webdriver) {
  const button = document.createElement('button');
  button.textContent = 'Run quick benchmarks';
  button.onclick = async () => {
    button.disabled = true;
    const result = await runBench({ profile: 'quick' });
    for (const row of result.rows) show(`${row.label}: ${row.value?.toPrecision(4)} ${row.unit}`);
  };
  document.body.prepend(button);
}
