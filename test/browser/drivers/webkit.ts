// WebKit behind the Engine interface: WebKitGTK's MiniBrowser from Debian's
// webkit2gtk-driver, driven through WebKitWebDriver (classic WebDriver) with
// the small client in webdriver-client.ts. MiniBrowser has no headless mode and hangs without a display,
// so it draws on an Xvfb of its own; every call has a client-side timeout.
// WebKitWebDriver serves one session at a time, so each context is a driver
// process and a session of its own (automation sessions use ephemeral
// storage: a new context starts with an empty IndexedDB).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { findEngine, missingEngineHelp } from '../../../scripts/browsers.mjs';
import type { Engine, EngineContext, EnginePage } from './driver';
import { newSession, type WebDriverSession as Session } from './webdriver-client';

/** How long one WebDriver call may take before the client gives up. */
const CALL_TIMEOUT_MS = 60_000;

/** Starts Xvfb and opens a first WebKit session to check the install; rejects with what to install if WebKitWebDriver, MiniBrowser or Xvfb is missing. */
export async function launchWebKitEngine(): Promise<Engine> {
  const driverPath = findEngine('webkit');
  const miniBrowser = findMiniBrowser();
  if (!driverPath || !miniBrowser) throw new Error(missingEngineHelp('webkit'));
  const xvfb = await startXvfb();
  const contexts = new Set<EngineContext>();
  let version = 'WebKitGTK';

  const newContext = async (): Promise<EngineContext> => {
    const port = await freePort();
    const driver = spawn(driverPath, [`--port=${port}`, '--host=127.0.0.1'], { stdio: 'ignore', env: { ...process.env, DISPLAY: xvfb.display } });
    let session: Session;
    try {
      session = await newSession({
        baseUrl: `http://127.0.0.1:${port}`,
        capabilities: { browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] } },
        timeoutMs: CALL_TIMEOUT_MS,
      });
    } catch (error) {
      driver.kill();
      throw error;
    }
    version = `WebKitGTK ${session.browserVersion}`.trim();
    const context = sessionContext(session, driver, () => contexts.delete(context));
    contexts.add(context);
    return context;
  };

  // One context up front: it reports the version, and a broken install fails here.
  const first = await newContext();
  await first.close();
  return {
    name: 'webkit',
    version,
    newContext,
    async close() {
      await Promise.allSettled([...contexts].map((context) => context.close()));
      xvfb.process.kill();
    },
  };
}

/** A session as a context; its windows are the pages. WebDriver talks to one window at a time, so calls queue. */
function sessionContext(session: Session, driver: ChildProcess, onClose: () => void): EngineContext {
  let queue: Promise<unknown> = Promise.resolve();
  let focused: string | undefined;
  let initialWindowUsed = false;
  let closed = false;
  const inWindow = <T>(handle: string, run: () => Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      if (focused !== handle) {
        await session.switchToWindow(handle);
        focused = handle;
      }
      return run();
    });
    queue = next.catch(() => {});
    return next;
  };

  return {
    async newPage(url) {
      const handle = await (queue = queue.then(async () => {
        // The session opens with one window: the first page uses it.
        const opened = initialWindowUsed ? await session.newTab() : await session.windowHandle();
        initialWindowUsed = true;
        return opened;
      }));
      const page = windowPage(session, handle as string, inWindow);
      await page.goto(url);
      return page;
    },
    async close() {
      if (closed) return;
      closed = true;
      onClose();
      await session.delete().catch(() => {});
      driver.kill();
    },
  };
}

/**
 * The body of the script that runs a serialised function with its argument.
 * Classic WebDriver awaits a promise the script returns; errors come back as
 * data, so they keep their message.
 */
const EVALUATE = `
  const [source, value] = arguments;
  return Promise.resolve()
    .then(() => (0, eval)('(' + source + ')')(value))
    .then(
      (out) => ({ ok: true, value: out === undefined ? null : out }),
      (error) => ({ ok: false, error: error instanceof Error ? error.name + ': ' + error.message : String(error) }),
    );
`;

function windowPage(session: Session, handle: string, inWindow: <T>(handle: string, run: () => Promise<T>) => Promise<T>): EnginePage {
  return {
    errors: [],
    async evaluate(fn, arg) {
      const result = (await inWindow(handle, () =>
        session.executeScript(EVALUATE, [fn.toString(), arg === undefined ? null : arg]),
      )) as { ok: true; value: never } | { ok: false; error: string };
      if (!result.ok) throw new Error(`In WebKit: ${result.error}`);
      return result.value;
    },
    goto: (url) => inWindow(handle, () => session.navigate(url)),
    reload: () => inWindow(handle, () => session.refresh()),
    close: () => inWindow(handle, () => session.closeWindow()),
  };
}

/** WebKitGTK's MiniBrowser, in /usr/lib/<multiarch>/webkit2gtk-4.1 (or 4.0). */
function findMiniBrowser(): string | undefined {
  const multiarch = readdirSync('/usr/lib').filter((dir) => dir.endsWith('-linux-gnu'));
  const candidates = multiarch.flatMap((dir) => ['4.1', '4.0'].map((api) => `/usr/lib/${dir}/webkit2gtk-${api}/MiniBrowser`));
  return candidates.find((path) => existsSync(path));
}

/** Starts Xvfb on a display number it picks itself (-displayfd). */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 10 s')), 10_000);
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with code ${code}`)));
    xvfb.stdio[3]!.once('data', (data: Buffer) => {
      clearTimeout(timer);
      resolve(`:${data.toString().trim()}`);
    });
  });
  return { display, process: xvfb };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
