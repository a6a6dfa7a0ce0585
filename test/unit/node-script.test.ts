// openStore in a plain Node script, as a user would run one: the package is
// built, and a script using it runs in a child process with a deadline.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

vi.setConfig({ testTimeout: 20_000 });

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repo, so the script finds fake-indexeddb in its node_modules.
const dir = path.join(repoRoot, 'node_modules/.cache/tidemark-node-script');

beforeAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'silent',
    build: {
      outDir: dir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: { tidemark: path.join(repoRoot, 'src/index.ts'), worker: path.join(repoRoot, 'worker/index.ts') }, formats: ['es'] },
      rolldownOptions: { external: ['fake-indexeddb', 'fake-indexeddb/auto'] },
    },
  });
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

const storeModule = `
import { defineStore } from './tidemark.js';
export const counter = defineStore({
  name: 'counter',
  initial: () => ({ n: 0 }),
  events: { bumped: (s, e) => ({ n: s.n + e.by }) },
});
`;

/** Runs `body` as an ES module script next to the build; resolves with how it ended. */
async function runScript(name: string, body: string): Promise<{ code: number | null; timedOut: boolean; stdout: string; stderr: string }> {
  await writeFile(path.join(dir, 'counter.store.mjs'), storeModule);
  const file = path.join(dir, name);
  await writeFile(file, body);
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { timeout: 10_000, cwd: dir }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, timedOut: error?.killed === true, stdout, stderr });
    });
  });
}

describe('openStore in a Node script', () => {
  test('the script exits by itself once its work is done, without calling close()', async () => {
    await mkdir(dir, { recursive: true });
    const run = await runScript(
      'exits.mjs',
      `import 'fake-indexeddb/auto';
       import { openStore } from './worker.js';
       import { counter } from './counter.store.mjs';
       const store = await openStore(counter);
       await store.commit({ type: 'bumped', by: 2 });
       console.log(JSON.stringify({ state: store.getState(), pending: store.pendingCommits }));`,
    );
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ state: { n: 2 }, pending: 0 });
  });

  test('with only an IDBFactory passed and no IndexedDB globals, it fails with STORAGE_FAILED naming the missing classes', async () => {
    const run = await runScript(
      'factory-only.mjs',
      `import { IDBFactory } from 'fake-indexeddb';
       import { openStore } from './worker.js';
       import { counter } from './counter.store.mjs';
       try {
         await openStore(counter, { indexedDB: new IDBFactory() });
         console.log(JSON.stringify({ opened: true }));
       } catch (error) {
         console.log(JSON.stringify({ code: error.code, details: error.details }));
       }`,
    );
    expect(run.timedOut).toBe(false);
    expect(JSON.parse(run.stdout)).toEqual({ code: 'STORAGE_FAILED', details: { missing: ['IDBRequest', 'IDBKeyRange'] } });
  });

  test('with fake-indexeddb/auto imported, an IDBFactory of its own gives the script an isolated database', async () => {
    const run = await runScript(
      'factory.mjs',
      `import 'fake-indexeddb/auto';
       import { IDBFactory } from 'fake-indexeddb';
       import { openStore } from './worker.js';
       import { counter } from './counter.store.mjs';
       const first = await openStore(counter, { indexedDB: new IDBFactory() });
       await first.commit({ type: 'bumped', by: 5 });
       const second = await openStore(counter, { indexedDB: new IDBFactory() });
       console.log(JSON.stringify([first.getState().n, second.getState().n]));`,
    );
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([5, 0]);
  });
});
