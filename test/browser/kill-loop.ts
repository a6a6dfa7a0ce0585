// The kill loop: Chromium itself is SIGKILLed, whole process group, while a
// page commits without waiting, then relaunched on the same profile; every
// time it comes back the store must hold every commit Node saw acknowledged,
// each whole, once, in order, or report that the browser wiped it.
//
// Used by kill-loop.test.ts (a quick run in `npm test`) and by
// `npm run torture -- --kills=N` (scripts/torture.mjs) for long runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { findChromium, LAUNCH_ARGS, MISSING_BROWSER_HELP } from '../../scripts/chromium.mjs';
import type { Connected } from './pages/engine';
import { CURRENT_VERSION, type EngineStoreConfig } from './pages/engine.store';
import { ok, tm } from './engines/engine-page';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What `runKillLoop` does. */
export interface KillLoopOptions {
  /** How many times the browser is killed. */
  kills: number;
  /**
   * Kill at a random time between these many ms after the page starts committing.
   * @default [300, 1500]
   */
  killAfterMs?: [number, number];
  /**
   * Start a fresh store after this many kills, so the state stays small on long runs.
   * @default 25
   */
  killsPerStore?: number;
  /** Called with a line of progress per kill. */
  log?: (line: string) => void;
  /** The store keeps a second copy in the Origin Private File System (opfsRemote), which rebuilds it after a wipe. */
  localCopy?: boolean;
  /**
   * Every this many kills, provoke a wipe: two uncommitted readwrite transactions
   * on the store's two object stores at the kill (see provokeWipe). Never when absent.
   */
  provokeWipeEvery?: number;
}

/** What a kill loop found. A run keeps its promises when lost, partial, duplicated, outOfOrder and undetectedWipes are 0. */
export interface KillLoopReport {
  kills: number;
  /** Commits Node saw acknowledged before a kill. */
  acked: number;
  /** Acknowledged commits missing after a relaunch that reported no loss. */
  lost: number;
  /** Relaunches whose state held a commit in part. */
  partial: number;
  /** Commits found twice in a state. */
  duplicated: number;
  /** Relaunches whose commits were not in the order made. */
  outOfOrder: number;
  /** Relaunches where the store reported its data lost (loadReport.dataLoss), by who told. */
  wipesDetected: { browser: number; marker: number };
  /** Acknowledged commits gone with a detected wipe (the platform's loss, reported). */
  ackedLostToWipes: number;
  /** Kills at which a wipe was provoked (both writers held their transactions). */
  wipesProvoked: number;
  /** Detected wipes after which the store was rebuilt (from its local copy): `loadReport.dataLoss.recoveredThrough` set. */
  wipesRecovered: number;
  /** Acknowledged commits a recovered wipe brought back. */
  ackedRecovered: number;
  /** Relaunches with an empty store, acknowledged commits and no loss reported: a silent wipe. */
  undetectedWipes: number;
  /** Chromium's own log lines about IndexedDB corruption, for the record. */
  corruptionLogLines: number;
  /** What went wrong, one line per finding. */
  findings: string[];
  ms: number;
}

/** Runs the kill loop and returns what it found; it does not throw on findings (the caller asserts). */
export async function runKillLoop(options: KillLoopOptions): Promise<KillLoopReport> {
  const executable = findChromium();
  if (!executable) throw new Error(MISSING_BROWSER_HELP);
  const [minMs, maxMs] = options.killAfterMs ?? [300, 1500];
  const killsPerStore = options.killsPerStore ?? 25;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const report: KillLoopReport = {
    kills: 0,
    acked: 0,
    lost: 0,
    partial: 0,
    duplicated: 0,
    outOfOrder: 0,
    wipesDetected: { browser: 0, marker: 0 },
    ackedLostToWipes: 0,
    wipesProvoked: 0,
    wipesRecovered: 0,
    ackedRecovered: 0,
    undetectedWipes: 0,
    corruptionLogLines: 0,
    findings: [],
    ms: 0,
  };
  const profile = await mkdtemp(path.join(tmpdir(), 'tidemark-kill-'));
  const server = await startServer();
  const url = `${originOf(server)}/test/browser/pages/engine.html`;
  const run = Math.random().toString(36).slice(2, 8);
  let config: EngineStoreConfig | undefined;
  /** Acknowledged commits since the store started (or was last wiped). */
  let acked = new Set<number>();
  let next = 1;

  try {
    for (let kill = 0; kill <= options.kills; kill++) {
      if (kill % killsPerStore === 0 && kill < options.kills) {
        config = { name: `kill-${run}-${kill}`, version: CURRENT_VERSION, checkpointEvery: 40, ...(options.localCopy && { localCopy: true }) };
        acked = new Set();
        next = 1;
      }
      const chrome = await launch(executable, profile, (line) => {
        if (/corrupt/i.test(line)) report.corruptionLogLines++;
      });
      try {
        const page = await openPage(chrome.browser, url, (n) => acked.add(n));
        const connected = ok(await tm(page, 'connect', config!, { onDataLoss: 'open-empty' }), `connect after kill ${kill}`);
        const check = checkState(connected, acked, kill);
        report.findings.push(...check.findings);
        report.lost += check.lost;
        report.partial += check.partial ? 1 : 0;
        report.duplicated += check.duplicated;
        report.outOfOrder += check.outOfOrder ? 1 : 0;
        report.undetectedWipes += check.undetectedWipe ? 1 : 0;
        const loss = connected.loadReport.dataLoss;
        const lostNow = loss ? [...acked].filter((n) => !check.present.has(n)).length : 0;
        if (loss) {
          report.wipesDetected[loss.detectedBy]++;
          report.ackedLostToWipes += lostNow;
          if (loss.recoveredThrough !== undefined) {
            report.wipesRecovered++;
            report.ackedRecovered += [...acked].filter((n) => check.present.has(n)).length;
          } else {
            acked = new Set(); // the store starts over; what was lost is counted and reported
          }
        }
        // A missing commit is counted once: from here on the ledger is what the store holds.
        acked = new Set([...acked].filter((n) => check.present.has(n)));
        next = Math.max(next - 1, ...check.present) + 1;
        if (kill === options.kills) break; // the last relaunch only checks

        const before = acked.size;
        await tm(page, 'commitUntilKilled', next);
        await sleep(minMs + Math.random() * (maxMs - minMs));
        // Not right before a new store starts: the new store's open would take the browser's one-time signal.
        const provoke = options.provokeWipeEvery !== undefined && (kill + 1) % options.provokeWipeEvery === 0 && (kill + 1) % killsPerStore !== 0;
        if (provoke) {
          // A checkpoint queued on both stores can stop the two writers from ever both writing: then kill anyway.
          const held = tm(page, 'holdTwoWriters', config!.name).then(() => true, () => false);
          if (await Promise.race([held, sleep(3_000).then(() => false)])) report.wipesProvoked++;
          await sleep(300);
        }
        await chrome.kill();
        report.kills++;
        const newlyAcked = acked.size - before;
        report.acked += newlyAcked;
        log(
          `kill ${kill + 1}/${options.kills}${provoke ? ' (wipe provoked)' : ''}: ${newlyAcked} acked, store at ${Math.max(0, ...check.present)}` +
            (loss ? `, WIPE detected by ${loss.detectedBy}: ${loss.message}` : '') +
            (loss?.recoveredThrough !== undefined ? `, recovered through ${loss.recoveredThrough}` : '') +
            (loss ? `, ${lostNow} acknowledged commits lost with it` : ''),
        );
      } finally {
        await chrome.kill();
      }
    }
  } finally {
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
  report.ms = Date.now() - started;
  return report;
}

/** What `provokeWipe` saw when the browser came back. */
export interface WipeOutcome {
  /** The error code connectStore rejected with (DATA_LOST when the wipe was caught), or undefined if it connected. */
  code: string | undefined;
  details: unknown;
  /** Commits in the store after the relaunch (0 after a wipe, unless a local copy rebuilt it). */
  commits: number;
  /** The commits (numbers) in the store after the relaunch. */
  list: number[];
  /** Commits acknowledged before the kill. */
  acked: number;
  /** loadReport.dataLoss and loadReport.source, when connectStore resolved. */
  dataLoss: unknown;
  source: string | undefined;
  /** The files of the store's OPFS copy (name → bytes) once commits 1–5 were copied, and at relaunch before the store opened. */
  copyBeforeKill: Record<string, number>;
  copyAfterRelaunch: Record<string, number>;
  corruptionLogLines: number;
}

/**
 * Provokes a real wipe, with the recipe found while investigating issue 9:
 * a store with data, then two readwrite transactions on its two object
 * stores left uncommitted, then the browser SIGKILLed. On relaunch Chromium
 * finds "invalid locks on disk" and deletes the database; the store must
 * say so (DATA_LOST), never open as new. With `consumeSignalFirst`, the page
 * opens another database of the origin before the store opens, which takes
 * the browser's one-time dataLoss signal: only the OPFS mark is left to tell.
 * With `localCopy`, the store keeps a copy in OPFS (opfsRemote): 5 commits
 * are copied for sure, 3 more are acknowledged just before the kill.
 */
export async function provokeWipe(options: { consumeSignalFirst?: boolean; localCopy?: boolean } = {}): Promise<WipeOutcome> {
  const executable = findChromium();
  if (!executable) throw new Error(MISSING_BROWSER_HELP);
  const profile = await mkdtemp(path.join(tmpdir(), 'tidemark-wipe-'));
  const server = await startServer();
  const url = `${originOf(server)}/test/browser/pages/engine.html`;
  const config: EngineStoreConfig = {
    name: `wipe-${Math.random().toString(36).slice(2, 8)}`,
    version: CURRENT_VERSION,
    ...(options.localCopy && { localCopy: true }),
  };
  let corruptionLogLines = 0;
  let acked = 0;
  let copyBeforeKill: Record<string, number> = {};
  const onLogLine = (line: string): void => {
    if (/corrupt/i.test(line)) corruptionLogLines++;
  };
  try {
    const first = await launch(executable, profile, onLogLine);
    try {
      const page = await openPage(first.browser, url, () => {});
      ok(await tm(page, 'connect', config), 'connect');
      for (let n = 1; n <= 5; n++) ok(await tm(page, 'commit', [{ type: 'appended', n }]), `commit ${n}`);
      acked = 5;
      for (let i = 0; i < 100 && !(await tm(page, 'hasDataMarker', config.name)); i++) await sleep(50);
      if (options.localCopy) {
        ok(await tm(page, 'whenUploaded'), 'the local copy of commits 1-5');
        copyBeforeKill = await tm(page, 'localCopyFiles', config.name); // no write in flight: every file is whole
        for (let n = 6; n <= 8; n++) ok(await tm(page, 'commit', [{ type: 'appended', n }]), `commit ${n}`);
        acked = 8;
      }
      // Bounded: a transaction queued on both stores (the copy's read of the journal) can stop the two
      // writers from ever both writing; the kill then usually leaves the database whole, and the caller tries again.
      const held = tm(page, 'holdTwoWriters', config.name).then(() => true, () => false);
      await Promise.race([held, sleep(3_000)]);
      await sleep(300);
    } finally {
      await first.kill();
    }
    const second = await launch(executable, profile, onLogLine);
    try {
      const page = await openPage(second.browser, url, () => {});
      const copyAfterRelaunch = await tm(page, 'localCopyFiles', config.name);
      if (options.consumeSignalFirst) {
        await page.evaluate(
          () =>
            new Promise<void>((resolve) => {
              const req = indexedDB.open('another-database-of-the-app');
              req.onsuccess = () => (req.result.close(), resolve());
              req.onerror = () => resolve(); // it may meet the damage itself: then it took the signal too
            }),
        );
      }
      const outcome = await tm(page, 'connect', config);
      const base = { acked, copyBeforeKill, copyAfterRelaunch, corruptionLogLines };
      if (outcome.ok) {
        const { list } = outcome.value.state;
        const { dataLoss, source } = outcome.value.loadReport;
        return { ...base, code: undefined, details: undefined, commits: list.length, list, dataLoss, source };
      }
      const empty = ok(await tm(page, 'connect', config, { onDataLoss: 'open-empty' }), 'connect with open-empty');
      const { list } = empty.state;
      base.corruptionLogLines = corruptionLogLines;
      return { ...base, code: outcome.error.code, details: outcome.error.details, commits: list.length, list, dataLoss: empty.loadReport.dataLoss, source: empty.loadReport.source };
    } finally {
      await second.kill();
    }
  } finally {
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

interface StateCheck {
  present: Set<number>;
  lost: number;
  partial: boolean;
  duplicated: number;
  outOfOrder: boolean;
  undetectedWipe: boolean;
  findings: string[];
}

/** Checks a relaunched store against what Node saw acknowledged: whole, once, in order, nothing lost. */
function checkState(connected: Connected, acked: ReadonlySet<number>, kill: number): StateCheck {
  const { list, a, b, notes } = connected.state;
  const present = new Set(list);
  const findings: string[] = [];
  const at = `after kill ${kill}`;
  const sum = list.reduce((total, n) => total + n, 0);
  const noteIds = Object.keys(notes);
  const partial = a !== sum || b !== sum || noteIds.length !== present.size || !noteIds.every((id) => present.has(Number(id.slice(1))));
  if (partial) findings.push(`${at}: a commit is partly applied (a=${a}, b=${b}, sum of list=${sum}, ${noteIds.length} notes, ${list.length} in list)`);
  const duplicated = list.length - present.size;
  if (duplicated > 0) findings.push(`${at}: ${duplicated} commits appear twice`);
  const outOfOrder = list.some((n, i) => i > 0 && n <= list[i - 1]!);
  if (outOfOrder) findings.push(`${at}: commits are out of the order they were made in`);
  const loss = connected.loadReport.dataLoss;
  const missing = [...acked].filter((n) => !present.has(n));
  // A rebuilt store holds commits 1…recoveredThrough; only the acknowledged commits after it may be missing (reported lost).
  const through = loss?.recoveredThrough;
  if (through !== undefined && (list.length !== through || list[through - 1] !== through)) {
    findings.push(`${at}: the store was rebuilt through seq ${through} but holds ${list.length} commits (last ${list[list.length - 1]})`);
  }
  const lost = !loss ? missing.length : through === undefined ? 0 : missing.filter((n) => n <= through).length;
  if (lost > 0) findings.push(`${at}: ${lost} acknowledged commits are missing (e.g. ${missing.slice(0, 5).join(', ')})`);
  const undetectedWipe = !loss && list.length === 0 && acked.size > 0;
  if (undetectedWipe) findings.push(`${at}: the store is empty, nothing was reported, and ${acked.size} commits had been acknowledged`);
  return { present, lost, partial, duplicated, outOfOrder, undetectedWipe, findings };
}

export interface RunningChrome {
  browser: Browser;
  /** SIGKILLs the whole process group and waits for it to exit. Safe to call twice. */
  kill(): Promise<void>;
}

/** Launches Chromium on `profile` in a process group of its own, and connects to it over CDP. */
export async function launch(executable: string, profile: string, onLogLine: (line: string) => void): Promise<RunningChrome> {
  const child: ChildProcess = spawn(
    executable,
    [...LAUNCH_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let killed: Promise<void> | undefined;
  const kill = (): Promise<void> =>
    (killed ??= (async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    })());
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let pending = '';
      const timer = setTimeout(() => reject(new Error('Chromium did not print its DevTools endpoint within 20 s')), 20_000);
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const line of lines) {
          onLogLine(line);
          const found = /DevTools listening on (ws:\/\/\S+)/.exec(line);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]!);
          }
        }
      });
      child.once('exit', (code) => reject(new Error(`Chromium exited (${code}) before it listened`)));
    });
    const browser = await chromium.connectOverCDP(endpoint);
    return { browser, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

async function openPage(browser: Browser, url: string, onAck: (n: number) => void): Promise<Page> {
  const context = browser.contexts()[0] ?? expectDefaultContext();
  const page = context.pages()[0] ?? (await context.newPage());
  await page.exposeBinding('tmAck', (_source, n: number) => onAck(n));
  await page.goto(url);
  await page.waitForFunction(() => 'tm' in window, undefined, { timeout: 20_000 });
  return page;
}

function expectDefaultContext(): never {
  throw new Error('Chromium connected over CDP without its default (persistent) context');
}

/** A Vite dev server for the test pages (engine and remote) on a free port. */
export async function startServer(): Promise<ViteDevServer> {
  const server = await createServer({
    configFile: path.join(repoRoot, 'vite.config.ts'),
    root: repoRoot,
    logLevel: 'error',
    clearScreen: false,
    mode: 'development',
    cacheDir: 'node_modules/.vite-kill-loop',
    optimizeDeps: { entries: ['test/browser/pages/engine.html', 'test/browser/pages/remote.html'], include: ['idb', 'fflate', 'aws4fetch'] },
    server: { host: '127.0.0.1', port: 0, strictPort: true, watch: null, hmr: false },
  });
  await server.listen();
  return server;
}

export function originOf(server: ViteDevServer): string {
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('Vite did not report the URL it is listening on');
  return new URL(url).origin;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
