// Finds and launches the system Chromium for the browser tests, the demo's
// end-to-end test and the benchmarks. Nothing here ever downloads a browser.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Flags that let Chromium run headless as root on a machine with no network. */
export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** What to do when no browser is found; printed by tests, bench and ensure-chromium. */
export const MISSING_BROWSER_HELP = [
  'tidemark needs Chromium for its browser tests and benchmarks, and none was found.',
  'Looked at: $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, and Playwright\'s own install.',
  'Fix: on Debian/Ubuntu run `sudo apt-get install -y chromium` (or `node scripts/ensure-chromium.mjs` as root),',
  'or point CHROMIUM_PATH at any Chromium or Chrome binary. Nothing is downloaded by the tests.',
].join('\n');

/**
 * The Chromium to use: `CHROMIUM_PATH` if set, else the Debian binary, else
 * Playwright's own install if one is present. Returns undefined when none is.
 */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const path of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (existsSync(path)) return path;
  }
  try {
    const bundled = chromium.executablePath();
    if (bundled && existsSync(bundled)) return bundled;
  } catch {
    // playwright-core throws when it has no browser of its own: not an error here.
  }
  return undefined;
}

/** Launches headless Chromium, or throws an Error whose message says what to install. */
export async function launchChromium() {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(MISSING_BROWSER_HELP);
  return chromium.launch({ executablePath, args: LAUNCH_ARGS, headless: true });
}
