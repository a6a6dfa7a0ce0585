// The shared harness for the browser suite: a Vite server for the pages under
// test plus the system Chromium, driven from Node through playwright-core.
//
//   const harness = await startHarness();          // dev server, files as in the repo
//   const { page, errors } = await harness.newPage('/test/browser/pages/smoke.html');
//   ...
//   await harness.close();
//
// `startPreview()` does the same for the production build (`vite build` + `vite preview`).
// If no Chromium is found, both reject with the install help: the test fails, it is never skipped.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build, createServer, preview, type InlineConfig, type Plugin } from 'vite';
import { launchChromium } from '../../scripts/chromium.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const shared = {
  configFile: path.join(repoRoot, 'vite.config.ts'),
  root: repoRoot,
  logLevel: 'error',
  clearScreen: false,
} satisfies InlineConfig;

const listen = { host: '127.0.0.1', port: 0, strictPort: true } as const;

/** A page opened by the harness, in a BrowserContext (and so a storage partition) of its own. */
export interface HarnessPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and uncaught page errors so far, page and workers alike; also printed to the test output. */
  readonly errors: readonly string[];
}

/** A running server and browser; `close()` it in `afterAll`. */
export interface Harness {
  /** Origin of the server, without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string;
  readonly browser: Browser;
  /** Absolute URL of a path on the server; `url('/test/browser/pages/smoke.html')`. */
  url(path?: string): string;
  /** Opens a page in a fresh BrowserContext (empty IndexedDB), and navigates to `path` if given. */
  newPage(path?: string): Promise<HarnessPage>;
  /** Closes every context, the browser and the server. Safe to call twice. */
  close(): Promise<void>;
}

/** What `startPreview()` builds. */
export interface PreviewOptions {
  /**
   * HTML entry points, relative to the repo root.
   * @default the config's own (`index.html`, the demo)
   */
  input?: string | readonly string[];
  /**
   * Where the build goes, relative to the repo root or absolute. Emptied first.
   * @default 'dist-demo'
   */
  outDir?: string;
  /**
   * Written into each built page as `<meta name="tidemark-build" content="…">`,
   * so two builds differ (as two releases do) and a test can tell them apart.
   * @default none
   */
  label?: string;
}

/** A running Vite dev server, with no browser: the cross-engine tests bring their own. */
export interface DevServer {
  /** Origin of the server, without a trailing slash. */
  readonly baseUrl: string;
  /** Absolute URL of a path on the server. */
  url(path?: string): string;
  close(): Promise<void>;
}

/**
 * Starts a Vite dev server on a free port of 127.0.0.1 with the repo's
 * vite.config.ts, serving the demo and the test pages.
 */
export async function startDevServer(): Promise<DevServer> {
  const server = await createServer({
    ...shared,
    mode: 'development',
    // A cache of its own, so a `npm run demo` running alongside cannot clash with it.
    cacheDir: 'node_modules/.vite-browser-tests',
    // Pre-bundle up front: a dependency discovered mid-test would make Vite reload the page.
    optimizeDeps: {
      entries: ['index.html', 'test/browser/pages/**/*.html'],
      include: ['idb', 'fflate'],
    },
    server: { ...listen, watch: null, hmr: false },
  });
  try {
    await server.listen();
  } catch (error) {
    await server.close();
    throw error;
  }
  const baseUrl = originOf(server.resolvedUrls?.local[0]);
  return { baseUrl, url: (pathname = '/') => new URL(pathname, `${baseUrl}/`).href, close: () => server.close() };
}

/**
 * Starts a Vite dev server (see `startDevServer`) and launches Chromium.
 * Rejects with the install help if no Chromium is found.
 */
export async function startHarness(): Promise<Harness> {
  const server = await startDevServer();
  try {
    return await withBrowser(server.baseUrl, () => server.close());
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** A server of a production build that can be taken down and brought back on the same port. */
export interface PreviewServer extends DevServer {
  /** Stops the server, dropping open connections: the origin is unreachable, as with no network. */
  stopServer(): Promise<void>;
  /** Serves the build again, on the same port (so the same origin). */
  restartServer(): Promise<void>;
  /** Builds again into the same directory with a new `label` (a new release), and serves that. */
  rebuild(label: string): Promise<void>;
}

/** A harness on a production build, whose server can be taken down, brought back and rebuilt. */
export interface PreviewHarness extends Harness, Pick<PreviewServer, 'stopServer' | 'restartServer' | 'rebuild'> {}

/**
 * Builds the app for production with `vite build` (programmatically) and
 * serves the result with `vite preview`, with no browser.
 */
export async function startPreviewServer(options: PreviewOptions = {}): Promise<PreviewServer> {
  const outDir = path.resolve(repoRoot, options.outDir ?? 'dist-demo');
  const input = options.input === undefined ? undefined : [options.input].flat().map((file) => path.resolve(repoRoot, file));
  const buildWith = (label: string | undefined) =>
    // Vitest sets NODE_ENV=test, and Vite only makes a production build when it is 'production'.
    withNodeEnv('production', () =>
      build({
        ...shared,
        mode: 'production',
        build: { outDir, emptyOutDir: true, ...(input && { rolldownOptions: { input } }) },
        plugins: label === undefined ? [] : [labelPlugin(label)],
      }),
    );
  await buildWith(options.label);
  const serve = (port: number) => preview({ ...shared, mode: 'production', build: { outDir }, preview: { ...listen, port, open: false } });
  let server: Awaited<ReturnType<typeof preview>> | undefined = await serve(0);
  const baseUrl = originOf(server.resolvedUrls?.local[0]);
  const stopServer = async () => {
    const running = server;
    server = undefined;
    await running?.close();
  };
  return {
    baseUrl,
    url: (pathname = '/') => new URL(pathname, `${baseUrl}/`).href,
    stopServer,
    async restartServer() {
      server ??= await serve(Number(new URL(baseUrl).port));
    },
    async rebuild(label) {
      await stopServer();
      await buildWith(label);
      server = await serve(Number(new URL(baseUrl).port));
    },
    close: stopServer,
  };
}

/** Marks every built page with `<meta name="tidemark-build" content="{label}">`. */
function labelPlugin(label: string): Plugin {
  return {
    name: 'tidemark-test-build-label',
    transformIndexHtml: (html) => html.replace('</head>', `  <meta name="tidemark-build" content="${label}" />\n  </head>`),
  };
}

/**
 * Builds the app for production and serves it (see `startPreviewServer`),
 * then launches Chromium.
 */
export async function startPreview(options: PreviewOptions = {}): Promise<PreviewHarness> {
  const server = await startPreviewServer(options);
  try {
    const harness = await withBrowser(server.baseUrl, server.close);
    return { ...harness, stopServer: server.stopServer, restartServer: server.restartServer, rebuild: server.rebuild };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** What `waitFor()` waits for. */
export interface WaitForOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /**
   * Named in the error if the wait fails: "Waiting for {what} failed".
   * @default 'the condition'
   */
  what?: string;
}

/**
 * Waits until `condition`, run in the page, returns a truthy value (or a
 * promise of one), and returns that value. The function is serialized into
 * the page, so it cannot use variables from the test.
 */
export async function waitFor<R>(page: Page, condition: () => R | Promise<R>, options: WaitForOptions = {}): Promise<R> {
  const { timeoutMs = 10_000, what = 'the condition' } = options;
  try {
    const handle = await page.waitForFunction(condition, undefined, { timeout: timeoutMs });
    return (await handle.jsonValue()) as R;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Waiting for ${what} on ${page.url()} failed: ${reason}`, { cause: error });
  }
}

async function withBrowser(baseUrl: string, closeServer: () => Promise<void>): Promise<Harness> {
  const browser = await launchChromium();
  const contexts = new Set<BrowserContext>();
  let closing: Promise<void> | undefined;
  const url = (pathname = '/') => new URL(pathname, `${baseUrl}/`).href;

  return {
    baseUrl,
    browser,
    url,
    async newPage(pathname) {
      const context = await browser.newContext();
      contexts.add(context);
      context.on('close', () => contexts.delete(context));
      const page = await context.newPage();
      const errors: string[] = [];
      const report = (kind: string, text: string) => {
        errors.push(text);
        console.error(`[browser ${kind}] ${text}`);
      };
      page.on('console', (message) => {
        const { url: at } = message.location();
        // Chromium asks every origin for /favicon.ico by itself; its 404 says nothing about the page.
        if (message.type() !== 'error' || at.endsWith('/favicon.ico')) return;
        report('console.error', at ? `${message.text()} (${at})` : message.text());
      });
      page.on('pageerror', (error) => report('uncaught', error.stack ?? error.message));
      page.on('crash', () => report('crash', `page crashed: ${page.url()}`));
      if (pathname !== undefined) await page.goto(url(pathname));
      return { page, context, errors };
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...contexts].map((context) => context.close()));
        await browser.close();
        await closeServer();
      })();
      return closing;
    },
  };
}

function originOf(resolved: string | undefined): string {
  if (!resolved) throw new Error('Vite did not report the URL it is listening on');
  return new URL(resolved).origin;
}

async function withNodeEnv<T>(value: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_ENV;
  process.env.NODE_ENV = value;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = saved;
  }
}
