// One interface over three browser engines, so a test can run in each: Chromium
// (playwright-core), Firefox (puppeteer-core over WebDriver BiDi) and WebKit
// (WebKitWebDriver's classic WebDriver, through webdriver-client.ts). Only what the
// cross-engine tests need: open pages in isolated contexts, run functions in
// them, reload. Anything engine-specific (DevTools kills, offline switches)
// stays in the Chromium-only tests, on playwright's own API.

export type EngineName = 'chromium' | 'firefox' | 'webkit';

/** Every engine, in the order the cross-engine tests run them. */
export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** A page (tab) of an engine. */
export interface EnginePage {
  /**
   * Runs `fn(arg)` in the page, awaits it, and returns its result. `fn` is
   * serialised into the page: it cannot use the test's variables, and its
   * argument and result must be JSON-like data.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<Awaited<R>>;
  /** Navigates to an absolute URL and waits for its load event. */
  goto(url: string): Promise<void>;
  /** Reloads and waits for the load event. */
  reload(): Promise<void>;
  /** Closes the tab. */
  close(): Promise<void>;
  /**
   * Console errors and uncaught errors of the page so far, where the driver
   * reports them (Chromium and Firefox; classic WebDriver has no console, so
   * in WebKit this stays empty and failures show through the assertions).
   */
  readonly errors: readonly string[];
}

/** A storage partition: pages of one context share IndexedDB, pages of two do not. */
export interface EngineContext {
  /** Opens a tab on `url` in this context. */
  newPage(url: string): Promise<EnginePage>;
  close(): Promise<void>;
}

/** A running browser. */
export interface Engine {
  readonly name: EngineName;
  /** e.g. "Chromium 156.0…", "Firefox 153.8.0", "WebKitGTK 2.50.6". */
  readonly version: string;
  /** A fresh context: empty IndexedDB. */
  newContext(): Promise<EngineContext>;
  /** Closes every context and the browser (and whatever it needed: drivers, displays). */
  close(): Promise<void>;
}

/** What `waitIn` waits for. */
export interface WaitInOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** Named in the error. @default 'the condition' */
  what?: string;
}

/** Polls `condition` in the page until it returns a truthy value, and returns that value. */
export async function waitIn<R, A = undefined>(
  page: EnginePage,
  condition: (arg: A) => R | Promise<R>,
  arg?: A,
  { timeoutMs = 10_000, what = 'the condition' }: WaitInOptions = {},
): Promise<Awaited<R>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await page.evaluate(condition, arg);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Waiting for ${what} failed: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Launches `name`, or rejects with what to install. */
export async function launchEngine(name: EngineName): Promise<Engine> {
  switch (name) {
    case 'chromium':
      return (await import('./chromium')).launchChromiumEngine();
    case 'firefox':
      return (await import('./firefox')).launchFirefoxEngine();
    case 'webkit':
      return (await import('./webkit')).launchWebKitEngine();
  }
}
