// Runs a describe block once per browser engine (Chromium, Firefox, WebKit),
// one engine at a time, all against one Vite dev server. A missing browser
// fails the block's tests with the install help; nothing is skipped.
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { ENGINE_NAMES, launchEngine, type Engine, type EngineContext, type EngineName, type EnginePage } from '../drivers/driver';
import { startDevServer, type DevServer } from '../harness';

/** What a test of `describeInEachEngine` gets. */
export interface EngineUnderTest<S extends DevServer = DevServer> {
  /** The server the pages come from. */
  server(): S;
  readonly name: EngineName;
  /** A fresh context (empty IndexedDB), closed after the test. */
  newContext(): Promise<EngineContext>;
  /** Opens `path` of the dev server in a fresh context. */
  openPage(path: string): Promise<EnginePage>;
  /** Absolute URL of a path on the dev server. */
  url(path: string): string;
}

/**
 * `describe(title + ', in <engine>')` for each engine, with the engine and the
 * server started around it: the dev server, or what `startServer` starts
 * (e.g. `startPreviewServer` for a production build).
 */
export function describeInEachEngine<S extends DevServer = DevServer>(
  title: string,
  body: (engine: EngineUnderTest<S>) => void,
  startServer: () => Promise<S> = startDevServer as () => Promise<S>,
): void {
  let server: S | undefined;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server?.close());

  describe.each(ENGINE_NAMES)(`${title}, in %s`, (name) => {
    // Launched once for the block; a launch that fails (a missing browser) fails each test with its message.
    let engine: Promise<Engine> | undefined;
    const contexts: EngineContext[] = [];
    beforeAll(() => {
      engine = launchEngine(name);
      engine.then((started) => console.info(`${title}: ${started.version}`), () => {});
    });
    afterEach(async () => {
      await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
    });
    afterAll(async () => {
      await (await engine?.catch(() => undefined))?.close();
    });

    const url = (path: string) => (server ?? expect.unreachable('the server did not start')).url(path);
    const newContext = async () => {
      const context = await (await (engine ?? expect.unreachable(`${name} was not launched`))).newContext();
      contexts.push(context);
      return context;
    };
    const started = () => server ?? expect.unreachable('the server did not start');
    body({ name, server: started, newContext, url, openPage: async (path) => (await newContext()).newPage(url(path)) });
  });
}
