// npm run torture -- --kills=N [--local-copy] [--provoke-wipe-every=K]
// The kill loop of test/browser/kill-loop.ts for a long run: Chromium is
// SIGKILLed N times while a page commits, and relaunched on the same profile.
// Prints one line per kill and a summary: acked / lost / partial /
// wipes detected / provoked / recovered. Exits non-zero on any finding.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const kills = Number(process.argv.find((arg) => arg.startsWith('--kills='))?.slice('--kills='.length) ?? 300);
if (!Number.isInteger(kills) || kills < 1) {
  console.error('Usage: npm run torture -- --kills=N [--local-copy] [--provoke-wipe-every=K]   (N ≥ 1, default 300)');
  process.exit(2);
}
// --local-copy: the store keeps an OPFS copy (opfsRemote); --provoke-wipe-every=K: every K-th kill leaves two
// uncommitted readwrite transactions on two object stores, which Chromium answers by wiping the database.
const localCopy = process.argv.includes('--local-copy');
const provokeEvery = process.argv.find((arg) => arg.startsWith('--provoke-wipe-every='))?.slice('--provoke-wipe-every='.length);
const root = fileURLToPath(new URL('../', import.meta.url));
const vitest = spawn('npx', ['vitest', 'run', '--project', 'browser', 'test/browser/kill-loop.test.ts', '--reporter=default'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    TIDEMARK_KILLS: String(kills),
    TIDEMARK_TORTURE: '1',
    ...(localCopy && { TIDEMARK_LOCAL_COPY: '1' }),
    ...(provokeEvery && { TIDEMARK_PROVOKE_WIPE_EVERY: provokeEvery }),
  },
});
vitest.on('exit', (code) => process.exit(code ?? 1));
