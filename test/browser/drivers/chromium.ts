// Chromium behind the Engine interface, through playwright-core (as the rest of the suite drives it).
import type { Page } from 'playwright-core';
import { launchChromium } from '../../../scripts/chromium.mjs';
import type { Engine, EngineContext, EnginePage } from './driver';

/** Launches the system Chromium, headless; rejects with what to install if there is none. */
export async function launchChromiumEngine(): Promise<Engine> {
  const browser = await launchChromium();
  return {
    name: 'chromium',
    version: `Chromium ${browser.version()}`,
    async newContext(): Promise<EngineContext> {
      const context = await browser.newContext();
      return {
        async newPage(url) {
          const page = await context.newPage();
          const opened = wrap(page);
          await page.goto(url);
          return opened;
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

function wrap(page: Page): EnginePage {
  const errors: string[] = [];
  page.on('console', (message) => {
    // Chromium asks every origin for /favicon.ico by itself; its 404 says nothing about the page.
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  return {
    errors,
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => unknown, arg) as never,
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    close: () => page.close(),
  };
}
