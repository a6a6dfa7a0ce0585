// Firefox behind the Engine interface: Debian's firefox-esr, headless, driven by
// puppeteer-core over WebDriver BiDi (there is no geckodriver here, and
// playwright-core cannot drive a stock Firefox).
import puppeteer, { type Page } from 'puppeteer-core';
import { findEngine, missingEngineHelp } from '../../../scripts/browsers.mjs';
import type { Engine, EngineContext, EnginePage } from './driver';

/** Launches Debian's firefox-esr, headless; rejects with what to install if it is missing. */
export async function launchFirefoxEngine(): Promise<Engine> {
  const executablePath = findEngine('firefox');
  if (!executablePath) throw new Error(missingEngineHelp('firefox'));
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true, protocolTimeout: 60_000 });
  return {
    name: 'firefox',
    version: `Firefox ${(await browser.version()).replace(/^firefox\//, '')}`,
    async newContext(): Promise<EngineContext> {
      const context = await browser.createBrowserContext();
      return {
        async newPage(url) {
          const page = await context.newPage();
          const opened = wrap(page);
          await page.goto(url, { waitUntil: 'load' });
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
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error)));
  return {
    errors,
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => unknown, arg) as never,
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    close: () => page.close(),
  };
}
