#!/usr/bin/env node
// A real S3 server for the remote tests: Ceph RGW from Debian's packages, a
// one-node cluster on 127.0.0.1 (one monitor, one in-memory OSD, one radosgw).
//
//   node scripts/rgw.mjs ensure   unpack Debian's Ceph packages into a cache folder (root, apt); a no-op when there
//   node scripts/rgw.mjs start    start a fresh cluster on 127.0.0.1:$TIDEMARK_S3_PORT (default 7480) and print how to reach it
//   node scripts/rgw.mjs stop     stop every server `start` started from this checkout
//
// From Node: `const s3 = await startRgw(); ... await s3.stop();`
//
// The packages are unpacked (`apt-get download` + `dpkg -x`), not installed: nothing
// outside the cache folder changes, no service is registered or started, and no
// maintainer script runs. The cache is ~/.cache/tidemark/ceph (TIDEMARK_CEPH_DIR
// overrides it), shared by every checkout on the machine.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the tests sign with. Local test keys of a throwaway server, not secrets. */
export const TEST_CREDENTIALS = Object.freeze({
  accessKeyId: 'TIDEMARKLOCALTEST001',
  secretAccessKey: 'tidemark-local-test-secret-0000000000000',
  region: 'us-east-1',
});

/** The port `start` uses unless TIDEMARK_S3_PORT says otherwise (RGW's own default). */
export const DEFAULT_PORT = 7480;

const PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd'];
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const stateDir = path.join(repoRoot, '.rgw');
const cacheDir = () => process.env.TIDEMARK_CEPH_DIR ?? path.join(os.homedir(), '.cache', 'tidemark', 'ceph');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Finds the unpacked Ceph (or a system-wide one) and returns how to run it, or
 * undefined. It must start: a cache whose libraries went missing counts as absent.
 */
export function findCeph() {
  for (const root of [cacheDir(), '/']) {
    const bin = (name) => path.join(root, 'usr/bin', name);
    if (!['ceph', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin'].every((name) => fs.existsSync(bin(name)))) continue;
    const libDirs = fs.readdirSync(path.join(root, 'usr/lib')).filter((dir) => fs.existsSync(path.join(root, 'usr/lib', dir, 'ceph')));
    if (libDirs.length === 0) continue;
    const lib = path.join(root, 'usr/lib', libDirs[0]);
    const env = {
      ...process.env,
      // Debian's bookworm packages put some libraries in /lib, some in /usr/lib.
      LD_LIBRARY_PATH: [lib, path.join(root, 'lib', libDirs[0]), path.join(lib, 'ceph')].join(':'),
      PYTHONPATH: path.join(root, 'usr/lib/python3/dist-packages'),
    };
    const version = spawnSync(bin('radosgw'), ['--version'], { env, encoding: 'utf8' });
    if (version.status !== 0) continue;
    // The `ceph` command is Python; Debian's python3 runs it, whichever python3 is first on PATH.
    const python = ['/usr/bin/python3', path.join(root, 'usr/bin/python3')].find((file) => fs.existsSync(file));
    if (!python) continue;
    return { root, lib, bin, env, python, version: version.stdout.trim() };
  }
  return undefined;
}

/** Runs a command with inherited output; returns true when it exits 0. */
function run(command, args, options = {}) {
  console.error(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  return result.status === 0;
}

/** The packages apt would have to add to this system for Ceph, as name=version. */
function missingPackages() {
  const simulate = spawnSync('apt-get', ['-s', 'install', '--no-install-recommends', ...PACKAGES], { encoding: 'utf8' });
  if (simulate.status !== 0) return undefined;
  return [...simulate.stdout.matchAll(/^Inst (\S+) \((\S+)/gm)].map(([, name, version]) => `${name}=${version}`);
}

/**
 * Makes sure Ceph is there, unpacking Debian's packages into the cache folder if
 * not. Idempotent; a fast no-op when Ceph is found. Throws with what to do when
 * it cannot install (not root, no apt-get, download failed).
 */
export function ensureCeph() {
  const found = findCeph();
  if (found) return found;
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`Ceph RGW is not in ${cacheDir()} and there is no apt-get to fetch it: the remote tests need Debian's ${PACKAGES.join(', ')}.`);
  }
  if (process.getuid?.() !== 0) {
    // Name the folder: sudo would otherwise pick root's home, not this user's cache.
    throw new Error(`Ceph RGW is not in ${cacheDir()}. Install it there as root: sudo TIDEMARK_CEPH_DIR=${cacheDir()} node scripts/rgw.mjs ensure`);
  }
  // The package lists are often missing on a fresh image: update only if the first try fails.
  let packages = missingPackages();
  if (!packages?.length) {
    run('apt-get', ['update']);
    packages = missingPackages();
  }
  if (!packages) throw new Error(`apt-get cannot resolve ${PACKAGES.join(' ')}; see its output above.`);
  // Unpack next to the cache and rename at the end, so an interrupted run leaves no half a cache.
  const target = cacheDir();
  const staging = `${target}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'debs'), { recursive: true });
  try {
    if (packages.length > 0 && !run('apt-get', ['download', ...packages], { cwd: path.join(staging, 'debs') })) {
      throw new Error('apt-get download failed; see its output above.');
    }
    const debs = fs.readdirSync(path.join(staging, 'debs'));
    console.error(`Unpacking ${debs.length} packages into ${target}`);
    for (const deb of debs) {
      const unpack = spawnSync('dpkg', ['-x', path.join(staging, 'debs', deb), staging], { stdio: 'inherit' });
      if (unpack.status !== 0) throw new Error(`dpkg -x ${deb} failed`);
    }
    fs.rmSync(path.join(staging, 'debs'), { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const installed = findCeph();
  if (!installed) throw new Error(`Unpacked Ceph into ${target}, but radosgw does not start; try: rm -rf ${target} && node scripts/rgw.mjs ensure`);
  return installed;
}

/** A free TCP port on 127.0.0.1, or `port` itself after checking it is free. */
function freePort(port = 0) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`127.0.0.1:${port} is in use. Stop what runs there (\`node scripts/rgw.mjs stop\` stops an RGW started here) or set TIDEMARK_S3_PORT.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      server.close(() => resolve(bound));
    });
  });
}

function cephConf({ ceph, dir, monPort, port }) {
  return `[global]
fsid = ${crypto.randomUUID()}
mon host = v1:127.0.0.1:${monPort}
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
# One node, on loopback, thrown away after the run: no cluster auth, one copy of everything.
auth cluster required = none
auth service required = none
auth client required = none
ms bind msgr2 = false
osd pool default size = 1
osd pool default min size = 1
# RGW makes ~8 pools; the default 32 PGs each would pass the 250-per-OSD limit.
osd pool default pg num = 1
osd pool default pgp num = 1
osd crush chooseleaf type = 0
plugin dir = ${ceph.lib}/ceph
erasure code dir = ${ceph.lib}/ceph/erasure-code

[mon]
mon data = ${dir}/mon
mon data avail crit = 0
paxos propose interval = 0.1
paxos min wait = 0.01
mon cluster log file = ${dir}/log/mon-cluster.log

[osd]
osd data = ${dir}/osd
osd objectstore = memstore
osd class dir = ${ceph.lib}/rados-classes
osd class load list = *
osd class default list = *
# The OSD's own crush update at start can race its first monmap and die with
# "wrong fsid" (EPERM); osd.0 is placed in the crush map before it starts instead.
osd crush update on start = false
osd class update on start = false

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${port}
`;
}

/** Is the process (group) `pid` still there? A zombie counts as gone. */
function alive(pid) {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid, name) {
  try {
    process.kill(-pid, name);
  } catch {}
}

/**
 * Stops the process groups `pids`: SIGTERM, then SIGKILL after `graceMs` (radosgw
 * ignores SIGTERM), and waits until they are gone.
 */
export async function killGroups(pids, graceMs = 2_000) {
  pids.forEach((pid) => signal(pid, 'SIGTERM'));
  for (const deadline = Date.now() + graceMs; pids.some(alive) && Date.now() < deadline; ) await sleep(50);
  pids.filter(alive).forEach((pid) => signal(pid, 'SIGKILL'));
  for (const deadline = Date.now() + 5_000; pids.some(alive) && Date.now() < deadline; ) await sleep(50);
}

function lastLines(file, count = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts a fresh one-node Ceph cluster and radosgw in a temp dir, creates the
 * test user and waits until S3 answers. Resolves with the connection facts and
 * `stop()`; rejects with the end of the failing daemon's log.
 *
 * @param {{ port?: number, killOnExit?: boolean }} [options]
 *   `port`: where S3 listens; default TIDEMARK_S3_PORT, else 7480; 0 picks a free one.
 *   `killOnExit`: kill the daemons when this Node process exits (default true; `start` passes false).
 */
export async function startRgw(options = {}) {
  const ceph = findCeph();
  if (!ceph) throw new Error('Ceph RGW is not installed. Run (as root): node scripts/rgw.mjs ensure');
  const port = await freePort(options.port ?? Number(process.env.TIDEMARK_S3_PORT || DEFAULT_PORT));
  const monPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tidemark-rgw-'));
  for (const sub of ['mon', 'osd', 'log', 'run']) fs.mkdirSync(path.join(dir, sub));
  const conf = path.join(dir, 'ceph.conf');
  fs.writeFileSync(conf, cephConf({ ceph, dir, monPort, port }));
  const env = { ...ceph.env, CEPH_CONF: conf };
  const started = new Date();
  const pids = [];
  const endpoint = `http://127.0.0.1:${port}`;
  // Written as soon as a daemon runs, so `node scripts/rgw.mjs stop` finds it even if this process dies.
  const state = { endpoint, ...TEST_CREDENTIALS, pids, dir, version: ceph.version };
  const stateFile = path.join(stateDir, `${port}.json`);
  const saveState = () => {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
  };
  // If this process exits without stop() (a crash, process.exit on SIGTERM), take the daemons along.
  const killAll = () => {
    pids.forEach((pid) => signal(pid, 'SIGKILL'));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
  };
  if (options.killOnExit !== false) process.on('exit', killAll);

  // Every process runs in a process group of its own, with `-c conf` on its command line (which names
  // the temp dir): stop() kills exactly these groups, and only while they still show that command line.
  const tool = async (command, args) => {
    const [file, argv] = command === 'ceph' ? [ceph.python, [ceph.bin('ceph'), '--connect-timeout', '20']] : [ceph.bin(command), []];
    const child = spawn(file, [...argv, '-c', conf, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    pids.push(child.pid);
    saveState();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => signal(child.pid, 'SIGKILL'), 60_000);
    const code = await new Promise((resolve) => child.once('error', (error) => resolve(error.message)).once('close', resolve));
    clearTimeout(timer);
    pids.splice(pids.indexOf(child.pid), 1);
    saveState();
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
    return stdout;
  };
  // Daemons run in the foreground (-f), so that they stay in their process group and this process sees them exit.
  const daemon = (command, args, name) => {
    const stderr = fs.openSync(path.join(dir, 'log', `${name}.stderr`), 'a');
    const child = spawn(ceph.bin(command), ['-f', '-c', conf, ...args], { env, detached: true, stdio: ['ignore', 'ignore', stderr] });
    fs.closeSync(stderr);
    child.unref();
    pids.push(child.pid);
    saveState();
    return child;
  };
  const fail = async (why, log) => {
    await killGroups(pids, 500);
    const tail = log ? `\n--- ${log} ---\n${lastLines(path.join(dir, 'log', log))}` : '';
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stateFile, { force: true });
    process.off('exit', killAll);
    throw new Error(`Starting Ceph RGW failed: ${why}${tail}`);
  };

  // A client that talks to the monitor before it has the monmap sends a zero fsid, and the monitor
  // refuses the command with EPERM "wrong fsid" (this is also what fails the OSD's first start in
  // Ceph's own micro-osd.sh). It passes a moment later, so `ceph` commands are retried; they are idempotent.
  const cephCommand = async (args) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tool('ceph', args);
      } catch (error) {
        if (attempt === 5) throw error;
        await sleep(300);
      }
    }
  };
  const osdUuid = crypto.randomUUID();

  try {
    await tool('ceph-mon', ['--id', 'a', '--mkfs', '--keyring', '/dev/null']);
    fs.writeFileSync(path.join(dir, 'mon', 'keyring'), '');
    daemon('ceph-mon', ['--id', 'a'], 'mon.a');
    // With its uuid, `osd create` answers the same id when repeated.
    await cephCommand(['osd', 'create', osdUuid, '0']);
    await cephCommand(['osd', 'crush', 'add', 'osd.0', '1', 'root=default']);
    await tool('ceph-osd', ['--id', '0', '--mkfs', '--osd-uuid', osdUuid]);
  } catch (error) {
    return fail(error.message, 'mon.a.log');
  }
  // An OSD that dies at start (the "wrong fsid" race above, if its crush update ran) is started again, as micro-osd.sh does.
  let osdUp = false;
  for (let attempt = 1; attempt <= 3 && !osdUp; attempt++) {
    const osd = daemon('ceph-osd', ['--id', '0'], 'osd.0');
    let exited = false;
    osd.once('exit', () => (exited = true));
    for (const deadline = Date.now() + 30_000; !exited && !osdUp && Date.now() < deadline; ) {
      await sleep(300);
      try {
        osdUp = JSON.parse(await tool('ceph', ['osd', 'stat', '-f', 'json'])).num_up_osds === 1;
      } catch {}
    }
    if (!osdUp) await killGroups([osd.pid], 500);
  }
  if (!osdUp) return fail('the OSD did not come up', 'osd.0.log');

  try {
    // Creating the user first also creates RGW's pools, before radosgw waits for them.
    await tool('radosgw-admin', ['user', 'create', '--uid', 'tidemark', '--display-name', 'tidemark tests',
      '--access-key', TEST_CREDENTIALS.accessKeyId, '--secret-key', TEST_CREDENTIALS.secretAccessKey]);
  } catch (error) {
    return fail(error.message, 'client.admin.log');
  }
  const rgw = daemon('radosgw', ['-n', 'client.rgw'], 'client.rgw');
  let rgwExited = false;
  rgw.once('exit', () => (rgwExited = true));
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    if (rgwExited) return fail('radosgw exited', 'client.rgw.log');
    if (Date.now() > deadline) return fail(`${endpoint} did not answer within 60 s`, 'client.rgw.log');
    const answer = await fetch(endpoint).catch(() => undefined);
    if (answer?.ok) break;
  }

  state.startedMs = Date.now() - started.getTime();
  saveState();
  let stopping;
  return {
    endpoint,
    ...TEST_CREDENTIALS,
    pids,
    dir,
    stateFile,
    startedMs: state.startedMs,
    /** Kills the daemons and removes the temp dir and the state file. Safe to call twice. */
    stop() {
      stopping ??= stopFromState(state, stateFile).finally(() => process.off('exit', killAll));
      return stopping;
    },
  };
}

async function stopFromState(state, stateFile) {
  // A pid from a stale state file may belong to someone else by now: only kill what still runs our conf.
  const ours = (pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(state.dir);
    } catch {
      return false;
    }
  };
  await killGroups(state.pids.filter(ours));
  fs.rmSync(state.dir, { recursive: true, force: true });
  fs.rmSync(stateFile, { force: true });
}

/** Stops every server started from this checkout (the state files in .rgw/); returns how many. */
export async function stopAll() {
  const files = fs.existsSync(stateDir) ? fs.readdirSync(stateDir).filter((file) => file.endsWith('.json')) : [];
  for (const file of files) {
    const stateFile = path.join(stateDir, file);
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    await stopFromState(state, stateFile);
    console.error(`Stopped the RGW at ${state.endpoint} (pids ${state.pids.join(' ')}).`);
  }
  return files.length;
}

async function main(command) {
  switch (command) {
    case 'ensure': {
      const started = Date.now();
      const ceph = ensureCeph();
      console.log(`${ceph.version} in ${ceph.root} (${Date.now() - started} ms)`);
      return;
    }
    case 'start': {
      const rgw = await startRgw({ killOnExit: false });
      console.log(`Ceph RGW is up in ${rgw.startedMs} ms; state in ${rgw.stateFile}. Stop it with: node scripts/rgw.mjs stop`);
      console.log(`export TIDEMARK_S3_ENDPOINT=${rgw.endpoint}`);
      console.log(`export TIDEMARK_S3_ACCESS_KEY_ID=${rgw.accessKeyId}`);
      console.log(`export TIDEMARK_S3_SECRET_ACCESS_KEY=${rgw.secretAccessKey}`);
      console.log(`export TIDEMARK_S3_REGION=${rgw.region}`);
      return;
    }
    case 'stop': {
      if ((await stopAll()) === 0) console.error('No RGW started from this checkout is running.');
      return;
    }
    default:
      console.error('Usage: node scripts/rgw.mjs ensure | start | stop');
      process.exitCode = 2;
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).catch((error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
