// Driving the engine page (pages/engine.html, window.tm) in any engine.
import type { Page } from 'playwright-core';
import { waitIn, type EnginePage } from '../drivers/driver';
import type { EnginePageApi, EngineWindow, Outcome } from '../pages/engine';
import type { EngineUnderTest } from './each-engine';

/** Opens the engine page in a fresh context and waits until it publishes window.tm. */
export async function openEnginePage(engine: EngineUnderTest): Promise<EnginePage> {
  const page = await engine.openPage('/test/browser/pages/engine.html');
  await waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });
  return page;
}

/** A page `tm` can drive: an engine driver's, or a Playwright page (the Chromium-only tests). */
export type TmPage = Pick<EnginePage, 'evaluate'> | Pick<Page, 'evaluate'>;

/** Calls a helper of the page's window.tm and returns its (cloned) result. */
export function tm<M extends keyof EnginePageApi>(page: TmPage, method: M, ...args: Parameters<EnginePageApi[M]>): Promise<Awaited<ReturnType<EnginePageApi[M]>>> {
  return (page as Pick<EnginePage, 'evaluate'>).evaluate(
    ({ method, args }) => {
      const call = ((window as unknown as EngineWindow).tm as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      if (!call) throw new Error(`window.tm has no helper ${method}`);
      return call(...args);
    },
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<EnginePageApi[M]>>>;
}

/** The value of an outcome, or a failure that says what went wrong on the page. */
export function ok<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) throw new Error(`${what} failed on the page with ${outcome.error.code ?? outcome.error.name}: ${outcome.error.message}`);
  return outcome.value;
}
