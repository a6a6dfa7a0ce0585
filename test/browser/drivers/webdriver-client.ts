// The few W3C WebDriver (classic) commands the WebKit adapter needs, over
// fetch: WebKitWebDriver speaks the standard protocol, so ten HTTP calls do
// what a WebDriver client library would, without its two hundred packages.
// Every call has a client-side timeout: a MiniBrowser that hangs must fail
// the test, not stall the run.

/** A WebDriver session on a driver at `baseUrl` (e.g. http://127.0.0.1:4444). */
export interface WebDriverSession {
  /** The browser's version, from the session's capabilities. */
  readonly browserVersion: string;
  /** The handle of the window commands go to now. */
  windowHandle(): Promise<string>;
  /** Opens a new tab and returns its handle (commands still go to the current one). */
  newTab(): Promise<string>;
  switchToWindow(handle: string): Promise<void>;
  closeWindow(): Promise<void>;
  /** Navigates the current window and waits for its load. */
  navigate(url: string): Promise<void>;
  refresh(): Promise<void>;
  /** Runs a function body with `arguments`; a promise it returns is awaited (classic WebDriver does so). */
  executeScript(body: string, args: unknown[]): Promise<unknown>;
  /** Ends the session (the browser quits). */
  delete(): Promise<void>;
}

/** What `newSession` needs. */
export interface NewSessionOptions {
  /** The driver's URL, without a trailing slash. */
  baseUrl: string;
  /** W3C capabilities, sent as `alwaysMatch`. */
  capabilities: Record<string, unknown>;
  /** How long any one call may take. */
  timeoutMs: number;
}

/** Waits until the driver answers /status as ready, then starts a session. */
export async function newSession({ baseUrl, capabilities, timeoutMs }: NewSessionOptions): Promise<WebDriverSession> {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const { value } = (await response.json()) as { value: { error?: string; message?: string } | unknown };
    const failure = value as { error?: string; message?: string } | null;
    if (!response.ok || failure?.error) throw new Error(`WebDriver ${method} ${path}: ${failure?.error ?? response.status}: ${failure?.message ?? ''}`);
    return value;
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await call('GET', '/status').then((status) => (status as { ready?: boolean }).ready === true, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`The WebDriver at ${baseUrl} was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const created = (await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } })) as {
    sessionId: string;
    capabilities: { browserVersion?: string };
  };
  const at = `/session/${created.sessionId}`;
  await call('POST', `${at}/timeouts`, { script: timeoutMs, pageLoad: timeoutMs });
  return {
    browserVersion: created.capabilities.browserVersion ?? '',
    windowHandle: async () => (await call('GET', `${at}/window`)) as string,
    newTab: async () => ((await call('POST', `${at}/window/new`, { type: 'tab' })) as { handle: string }).handle,
    switchToWindow: async (handle) => void (await call('POST', `${at}/window`, { handle })),
    closeWindow: async () => void (await call('DELETE', `${at}/window`)),
    navigate: async (url) => void (await call('POST', `${at}/url`, { url })),
    refresh: async () => void (await call('POST', `${at}/refresh`, {})),
    executeScript: (body, args) => call('POST', `${at}/execute/sync`, { script: body, args }),
    delete: async () => void (await call('DELETE', at)),
  };
}
