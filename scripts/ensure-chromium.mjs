#!/usr/bin/env node
// Makes sure a Chromium is available for the browser tests and benchmarks.
//
//   node scripts/ensure-chromium.mjs           find it, or install Debian's `chromium` with apt (root only)
//   node scripts/ensure-chromium.mjs --check   find it, never install
//
// Prints the binary and its version and exits 0, or prints what to install and exits 1.
// It never downloads a browser itself: the only install path is the system package manager.
import { spawnSync } from 'node:child_process';
import { findChromium, MISSING_BROWSER_HELP } from './chromium.mjs';

const checkOnly = process.argv.includes('--check');

/** Runs a command with inherited output; returns true when it exits 0. */
function run(command, args) {
  console.error(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function hasAptGet() {
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Reports the browser found at `path`; returns false if it does not run. */
function report(path) {
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    const why = version.error?.message ?? (version.stderr.trim() || `exit code ${version.status}`);
    console.error(`Found ${path}, but \`${path} --version\` failed: ${why}`);
    return false;
  }
  console.log(path);
  console.log(version.stdout.trim());
  return true;
}

function installWithApt() {
  const install = ['install', '-y', 'chromium'];
  // The package lists are often missing on a fresh image: update only if the first try fails.
  return run('apt-get', install) || (run('apt-get', ['update']) && run('apt-get', install));
}

let path = findChromium();
// An explicit CHROMIUM_PATH wins over everything, so installing the package would not help.
const canInstall = !checkOnly && !process.env.CHROMIUM_PATH && process.getuid?.() === 0 && hasAptGet();
if (!path && canInstall) {
  console.error('No Chromium found; installing the Debian package.');
  if (installWithApt()) path = findChromium();
}

if (path) {
  process.exit(report(path) ? 0 : 1);
}
if (process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH is set to ${process.env.CHROMIUM_PATH}, which does not exist.`);
}
console.error(MISSING_BROWSER_HELP);
process.exit(1);
