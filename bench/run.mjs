// `npm run bench`: serves bench/pages/ with Vite, runs every suite in
// headless Chromium (bench/pages/bench.ts), adds the bundle sizes measured
// in Node (bench/size.mjs), then prints the table and writes the raw figures
// and the chart to bench/results/. See bench/README.md.
//
//   node bench/run.mjs            full run → results/latest.json, results/chart.svg, results/load-chart.svg
//   node bench/run.mjs --quick    tiny sizes → results/quick.json (git-ignored)
//   node bench/run.mjs --only raw-idb,dexie   some suites → results/partial.json
//   node bench/run.mjs --memory   incognito context: IndexedDB in memory, not on disk
//   node bench/run.mjs --no-size  skip the bundle-size builds
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { LAUNCH_ARGS, MISSING_BROWSER_HELP, findChromium, launchChromium } from '../scripts/chromium.mjs';
import { renderChart, renderLoadChart } from './chart.mjs';
import { renderTable, resolveRatios } from './report.mjs';
import { measureBundleSizes } from './size.mjs';
import { measureSync } from './sync.mjs';
import { findCeph, startRgw } from '../scripts/rgw.mjs';
import { makeCorsBucket } from '../scripts/s3-bucket.mjs';

export { renderChart, renderLoadChart, renderTable, resolveRatios };

const root = fileURLToPath(new URL('..', import.meta.url));
export const RESULTS_DIR = join(root, 'bench', 'results');
/** Suites that run in Node rather than in the page: the bundle sizes, and the sync rows (two browsers driven from Node). */
const NODE_SUITES = ['size', 'sync'];

/**
 * Runs the benchmarks and returns `{ meta, rows }`, rows with their ratios
 * resolved. Writes nothing; see `writeResults`.
 * @param {{ quick?: boolean, only?: string[], memory?: boolean, bundle?: boolean,
 *   log?: (line: string) => void }} [options] `bundle: false` skips the size builds.
 */
export async function runBenchmarks({
  quick = false, only, memory = false, bundle = true, log = (line) => console.error(line),
} = {}) {
  const started = performance.now();
  const loadAtStart = os.loadavg()[0];
  const say = (line) => log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const pageSuites = only?.filter((name) => !NODE_SUITES.includes(name));
  let browser = browser0();
  const withSync = !only || only.includes('sync');
  if (!only || pageSuites.length > 0 || withSync) {
    const s3 = !only || only.includes('remote') || withSync ? await s3ForRun(say) : undefined;
    try {
      browser = await runInChromium({ profile: quick ? 'quick' : 'full', only: pageSuites, memory, s3: s3?.server, withSync, log: say });
    } finally {
      await s3?.stop();
    }
  }
  const sizeRows = bundle && (!only || only.includes('size')) ? await measureBundleSizes({ root, log: say }) : [];
  const rows = resolveRatios([...browser.rows, ...sizeRows]);
  const meta = {
    date: new Date().toISOString(),
    profile: quick ? 'quick' : only ? 'partial' : 'full',
    chromium: browser.browser,
    userAgent: browser.userAgent,
    storage: memory ? 'in-memory profile (incognito)' : 'on-disk profile',
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    /** 1-minute load average before and after: other work on the machine slows every figure. */
    loadavg: [round1(loadAtStart), round1(os.loadavg()[0])],
    crossOriginIsolated: browser.crossOriginIsolated,
    suites: [...browser.suites, ...(sizeRows.length ? ['size'] : [])],
    sizes: browser.sizes,
    durationMs: Math.round(performance.now() - started),
  };
  return { meta, rows };
}

const round1 = (x) => Math.round(x * 10) / 10;

/** What a run reports of the page when no page suite ran. */
function browser0() {
  return { rows: [], sizes: null, suites: [], userAgent: '', browser: 'no browser', crossOriginIsolated: false };
}

async function runInChromium({ profile, only, memory, s3, withSync, log }) {
  const server = await createServer({
    configFile: join(root, 'vite.config.ts'),
    root,
    mode: 'development',
    logLevel: 'warn',
    clearScreen: false,
    cacheDir: 'node_modules/.vite-bench',
    server: {
      host: '127.0.0.1',
      port: 0, // any free port
      hmr: false, // a file saved mid-run must not reload the page
      // Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    },
    // Bundle the dependencies before the page asks, so Vite never reloads it.
    optimizeDeps: { entries: ['bench/pages/bench.html'], include: ['dexie', 'idb-keyval', 'fflate'] },
  });
  let closeBrowser = async () => {};
  try {
    await server.listen();
    const { port } = server.httpServer.address();
    const opened = await openContext({ memory });
    closeBrowser = opened.close;
    const page = await opened.context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') log(`[page ${message.type()}] ${message.text()}`);
    });
    await page.exposeFunction('benchLog', (line) => log(line));
    await page.goto(`http://127.0.0.1:${port}/bench/pages/bench.html`);
    await page.waitForFunction(() => typeof window.runBench === 'function', null, { timeout: 60_000 })
      .catch((error) => {
        throw new Error(`bench page did not load: ${pageErrors[0]?.message ?? error.message}`);
      });
    const result = !only || only.length > 0
      ? await page.evaluate((options) => window.runBench(options), { profile, ...(only ? { only } : {}), ...(s3 ? { s3 } : {}) })
      : { ...browser0(), userAgent: await page.evaluate(() => navigator.userAgent), browser: opened.context.browser()?.version() ?? 'Chromium' };
    if (withSync) {
      await closeBrowser(); // the two devices are browsers of their own
      closeBrowser = async () => {};
      result.rows.push(...await measureSync({ origin: `http://127.0.0.1:${port}`, s3, quick: profile === 'quick', dir: RESULTS_DIR, log }));
      result.suites = [...(result.suites ?? []), 'sync'];
    }
    return result;
  } finally {
    await closeBrowser();
    await server.close();
  }
}

/**
 * The S3 server of the remote rows, with a bucket for this run: the one in
 * TIDEMARK_S3_ENDPOINT (the test suite's), else a Ceph RGW started for the
 * run if it is installed, else none (the rows say why they are missing).
 */
async function s3ForRun(log) {
  const env = process.env;
  let server;
  let stop = async () => {};
  if (env.TIDEMARK_S3_ENDPOINT) {
    server = { endpoint: env.TIDEMARK_S3_ENDPOINT.replace(/\/+$/, ''), accessKeyId: env.TIDEMARK_S3_ACCESS_KEY_ID, secretAccessKey: env.TIDEMARK_S3_SECRET_ACCESS_KEY, region: env.TIDEMARK_S3_REGION || 'us-east-1' };
  } else if (findCeph()) {
    const rgw = await startRgw({ port: 0 });
    log(`Ceph RGW for the remote rows at ${rgw.endpoint}`);
    server = { endpoint: rgw.endpoint, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey, region: rgw.region };
    stop = () => rgw.stop();
  } else {
    log('no S3 server: the remote rows are not measured (node scripts/rgw.mjs ensure installs Ceph RGW)');
    return undefined;
  }
  const bucket = `tidemark-bench-${Date.now().toString(36)}`;
  await makeCorsBucket(server, bucket);
  return { server: { ...server, bucket }, stop };
}

/**
 * A browser context with a real on-disk profile (what users have), or with
 * `memory` an incognito one, where IndexedDB never touches the disk.
 */
async function openContext({ memory }) {
  if (memory) {
    const browser = await launchChromium();
    return { context: await browser.newContext(), close: () => browser.close() };
  }
  const executablePath = findChromium();
  if (!executablePath) throw new Error(MISSING_BROWSER_HELP);
  // Inside the repo rather than in /tmp, which may be a RAM disk; git-ignored.
  // One per run, so the smoke test and `npm run bench` can run side by side.
  await mkdir(RESULTS_DIR, { recursive: true });
  const profileDir = await mkdtemp(join(RESULTS_DIR, 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: [...LAUNCH_ARGS, '--js-flags=--expose-gc'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profileDir, { recursive: true, force: true });
    },
  };
}

/** Writes `<base>.json` and the two charts next to it; returns the three paths. */
export async function writeResults(results, { dir = RESULTS_DIR, base } = {}) {
  const name = base ?? (results.meta.profile === 'full' ? 'latest' : results.meta.profile);
  const json = join(dir, `${name}.json`);
  const prefix = name === 'latest' ? '' : `${name}-`;
  const svg = join(dir, `${prefix}chart.svg`);
  const loadSvg = join(dir, `${prefix}load-chart.svg`);
  await mkdir(dir, { recursive: true });
  await writeAtomically(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeAtomically(svg, `${renderChart(results)}\n`);
  await writeAtomically(loadSvg, `${renderLoadChart(results)}\n`);
  return { json, svg, loadSvg };
}

async function writeAtomically(path, text) {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

function parseArgs(argv) {
  const options = { quick: false, memory: false, only: undefined, size: true };
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--memory') options.memory = true;
    else if (arg === '--no-size') options.size = false;
    else if (arg === '--only') options.only = (argv[++k] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) options.only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '--help' || arg === '-h') options.help = true;
    else throw new Error(`unknown option ${arg}; try --help`);
  }
  return options;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log('usage: node bench/run.mjs [--quick] [--only suite,suite] [--memory] [--no-size]\n' +
      'suites: raw-idb, dexie, persist, decode-floor, tidemark, remote (in the page), size, sync (driven from Node)');
    return;
  }
  const results = await runBenchmarks({
    quick: args.quick, memory: args.memory, bundle: args.size, ...(args.only ? { only: args.only } : {}),
  });
  console.log(renderTable(results));
  const { json, svg, loadSvg } = await writeResults(results);
  console.error(`wrote ${json.slice(root.length)}, ${svg.slice(root.length)} and ${loadSvg.slice(root.length)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    console.error(error?.stack ?? error);
    process.exitCode = 1;
  });
}
