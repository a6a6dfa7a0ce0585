// tidemark as a new user gets it: `npm pack`, the tarball installed into a
// fresh Vite app (offline, from npm's cache, through a lockfile that pins the
// dependencies the repo already installed), the README's quick start as the
// app's files, run on the dev server and built for production, in Chromium.
// Without the README's `optimizeDeps.include`, the dev server test sees the
// page load twice (Vite finds tidemark/worker late and reloads).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, preview, type InlineConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { extractSnippets } from '../readme-snippets';
import { waitFor } from './harness';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let work: string;
let app: string;
let packed: string[] = [];
let browser: Browser | undefined;

const indexHtml = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>tidemark from the tarball</title></head>
  <body>
    <form><input placeholder="What needs doing?" /></form>
    <ul id="list"></ul>
    <span id="saved"></span>
    <script type="module" src="/main.ts"></script>
  </body>
</html>
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'tidemark-install-'));
  app = path.join(work, 'app');

  // npm pack runs prepack, the build.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const [pack] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!pack) throw new Error(`npm pack printed no result: ${stdout}`);
  packed = pack.files.map((f) => f.path);
  const tarball = `file:../${pack.filename}`;

  // A lockfile naming the tarball and tidemark's dependencies as the repo resolved them,
  // so `npm ci --offline` installs from npm's cache and never asks the registry.
  const manifest = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const repoLock = JSON.parse(await readFile(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { tidemark: tarball } },
    'node_modules/tidemark': { version: manifest.version, resolved: tarball, dependencies: manifest.dependencies },
  };
  for (const dependency of Object.keys(manifest.dependencies)) packages[`node_modules/${dependency}`] = repoLock.packages[`node_modules/${dependency}`];
  await run('mkdir', ['-p', app]);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { tidemark: tarball } }));
  await writeFile(path.join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, requires: true, packages }));
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  // Vite itself is the repo's: the app's vite.config.ts imports it.
  await symlink(path.join(repoRoot, 'node_modules/vite'), path.join(app, 'node_modules/vite'), 'dir');

  // The app: the README's quick start, as written.
  const snippets = extractSnippets(await readFile(path.join(repoRoot, 'README.md'), 'utf8'));
  for (const file of ['vite.config.ts', 'todos.store.ts', 'todos.worker.ts', 'main.ts']) {
    const snippet = snippets.find((s) => s.file === file);
    if (!snippet) throw new Error(`README.md has no \`// ${file}\` snippet`);
    await writeFile(path.join(app, file), snippet.code);
  }
  await writeFile(path.join(app, 'index.html'), indexHtml);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const viteOptions = (): InlineConfig => ({ root: app, configFile: path.join(app, 'vite.config.ts'), logLevel: 'error', clearScreen: false });
const listen = { host: '127.0.0.1', port: 0, strictPort: true } as const;

/** Opens the app, adds a todo through its form, and returns the page and how many times it loaded. */
async function addTodo(url: string, text: string): Promise<{ page: Page; loads: () => number; errors: string[] }> {
  const context = await browser!.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  let loads = 0;
  page.on('load', () => loads++);
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    // Chromium asks for /favicon.ico by itself; the app has none.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
  });
  await page.goto(url);
  await waitFor(page, () => document.querySelector('#saved')?.textContent === 'All changes saved', { what: 'the app to connect', timeoutMs: 20_000 });
  await page.fill('input', text);
  await page.press('input', 'Enter');
  await waitFor(page, () => document.querySelector('#saved')?.textContent === 'All changes saved' && document.querySelectorAll('#list li').length > 0, {
    what: 'the todo to be saved',
  });
  return { page, loads: () => loads, errors };
}

describe('the packed tarball in a fresh Vite app', () => {
  it('holds the built entries with their types and source maps, and the license', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'package.json',
        'dist/tidemark.js',
        'dist/tidemark.js.map',
        'dist/worker.js',
        'dist/worker.js.map',
        'dist/react.js',
        'dist/react.js.map',
        'dist/src/index.d.ts',
        'dist/src/react.d.ts',
        'dist/worker/index.d.ts',
      ]),
    );
  });

  it('runs the README quick start on the dev server, loading the page once', async () => {
    // HMR on, as in `vite`: it is what tells the page to reload.
    const server = await createServer({ ...viteOptions(), server: listen });
    await server.listen();
    try {
      const { page, loads, errors } = await addTodo(server.resolvedUrls!.local[0]!, 'milk');
      // A late-discovered dependency makes Vite reload the page about now.
      await page.waitForTimeout(1500);
      expect(await page.locator('#list li').allInnerTexts()).toEqual(['☑ milk']);
      expect(loads()).toBe(1);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await server.close();
    }
  });

  it('builds the README quick start for production, and its todos survive a reload', async () => {
    const outDir = path.join(app, 'dist');
    await build({ ...viteOptions(), mode: 'production', build: { outDir } });
    const server = await preview({ ...viteOptions(), build: { outDir }, preview: { ...listen, open: false } });
    try {
      const { page, errors } = await addTodo(server.resolvedUrls!.local[0]!, 'eggs');
      await page.reload();
      await waitFor(page, () => document.querySelectorAll('#list li').length === 1, { what: 'the todo after a reload' });
      expect(await page.locator('#list li').allInnerTexts()).toEqual(['☑ eggs']);
      expect(errors).toEqual([]);
      await page.context().close();
    } finally {
      await server.close();
    }
  });
});
