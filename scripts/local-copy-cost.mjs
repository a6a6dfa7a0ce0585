// node scripts/local-copy-cost.mjs [--commits=N] [--rounds=R] [--delay=ms]
// What the OPFS copy (opfsRemote) costs commits, in headless Chromium: the
// engine test page commits N numbered commits one at a time, each awaited
// (latency), then N more sent in one task (throughput), in a fresh store
// with and without the copy, alternating, R rounds; then it times the
// hydration of a wiped store from the copy. Prints medians as JSON.
import { createServer } from 'vite';
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { findChromium, LAUNCH_ARGS, MISSING_BROWSER_HELP } from './chromium.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const commits = arg('commits', 500);
const rounds = arg('rounds', 5);
const delayArg = process.argv.find((a) => a.startsWith('--delay='));
const delayMs = delayArg ? Number(delayArg.split('=')[1]) : undefined; // the copy's uploadDelayMs; opfsRemote's default when absent
const root = fileURLToPath(new URL('../', import.meta.url));
const executable = findChromium();
if (!executable) throw new Error(MISSING_BROWSER_HELP);

const server = await createServer({
  configFile: `${root}vite.config.ts`,
  root,
  logLevel: 'error',
  mode: 'development',
  cacheDir: 'node_modules/.vite-kill-loop',
  optimizeDeps: { entries: ['test/browser/pages/engine.html'], include: ['idb', 'fflate'] },
  server: { host: '127.0.0.1', port: 0, strictPort: true, watch: null, hmr: false },
});
await server.listen();
const browser = await chromium.launch({ executablePath: executable, args: LAUNCH_ARGS });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)];
try {
  const page = await browser.newPage();
  await page.goto(`${new URL(server.resolvedUrls.local[0]).origin}/test/browser/pages/engine.html`);
  await page.waitForFunction(() => 'tm' in window);
  const call = (method, ...args) => page.evaluate(({ method, args }) => window.tm[method](...args), { method, args });
  const results = { off: [], on: [] };
  for (let round = 0; round < rounds; round++) {
    for (const localCopy of round % 2 ? [true, false] : [false, true]) {
      const config = { name: `cost-${localCopy ? 'on' : 'off'}-${round}-${Date.now()}`, version: 2, checkpointEvery: 4000, localCopy, ...(delayMs !== undefined && { localCopyPolicy: { uploadDelayMs: delayMs } }) };
      const connected = await call('connect', config);
      if (!connected.ok) throw new Error(connected.error.message);
      const timed = await call('timeCommits', 1, commits);
      const copied = localCopy ? await call('whenUploaded') : undefined;
      if (copied && !copied.ok) throw new Error(copied.error.message);
      results[localCopy ? 'on' : 'off'].push({
        p50: median(timed.latenciesMs),
        p95: quantile(timed.latenciesMs, 0.95),
        perSecond: (commits / timed.burstMs) * 1000,
      });
      // Hydration: the database deleted behind the store, rebuilt from the copy.
      if (localCopy && round === 0) {
        const files = await call('localCopyFiles', config.name);
        await call('terminate');
        await call('deleteDatabaseBehindTheStore', config.name);
        const rebuilt = await call('connect', config, { onDataLoss: 'open-empty' });
        if (!rebuilt.ok) throw new Error(rebuilt.error.message);
        results.hydration = { commits: rebuilt.value.confirmedSeq, files: Object.keys(files).length, bytes: Object.values(files).reduce((a, b) => a + b, 0), report: rebuilt.value.loadReport };
      }
      await call('terminate');
    }
  }
  const summary = (runs) => ({
    latencyP50Ms: +median(runs.map((r) => r.p50)).toFixed(2),
    latencyP95Ms: +median(runs.map((r) => r.p95)).toFixed(2),
    burstCommitsPerSecond: Math.round(median(runs.map((r) => r.perSecond))),
  });
  console.log(JSON.stringify({ commits, rounds, uploadDelayMs: delayMs ?? 'default', without: summary(results.off), withLocalCopy: summary(results.on), hydration: results.hydration }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
