#!/usr/bin/env node
// Makes sure Firefox and WebKit are available for the browser tests (Chromium:
// ensure-chromium.mjs). Idempotent: installs with apt only what is missing.
//
//   node scripts/ensure-browsers.mjs           find them, or install Debian's packages (root only)
//   node scripts/ensure-browsers.mjs --check   find them, never install
//
// Exits 0 when both are there, else prints what to install and exits 1.
// It never downloads a browser itself: the only install path is the system package manager.
import { spawnSync } from 'node:child_process';
import { ENGINES, findEngine, missingEngineHelp } from './browsers.mjs';

const checkOnly = process.argv.includes('--check');

function run(command, args) {
  console.error(`$ ${[command, ...args].join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
}

const missing = () => Object.keys(ENGINES).filter((engine) => !findEngine(engine));
const canInstall =
  !checkOnly && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

let absent = missing();
if (absent.length > 0 && canInstall) {
  const packages = absent.flatMap((engine) => ENGINES[engine].packages);
  const install = ['install', '-y', ...packages];
  console.error(`Installing ${packages.join(', ')} from Debian's packages.`);
  // The package lists are often missing on a fresh image: update only if the first try fails.
  if (!run('apt-get', install)) run('apt-get', ['update']) && run('apt-get', install);
  absent = missing();
}

for (const engine of Object.keys(ENGINES)) {
  const path = findEngine(engine);
  if (path) console.log(`${ENGINES[engine].label}: ${path}`);
}
for (const engine of absent) console.error(missingEngineHelp(engine));
process.exit(absent.length === 0 ? 0 : 1);
