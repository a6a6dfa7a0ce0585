// The engine in every browser engine: a real module Worker runs serveStore on
// real IndexedDB (strict durability where the engine has it); acknowledged
// commits survive the worker's termination and a page reload, rebuilt from
// the journal, and from a snapshot plus the journal after it.
import { expect, it } from 'vitest';
import { hashState } from 'tidemark';
import { waitIn, type EnginePage } from '../drivers/driver';
import type { EnginePageApi, EngineWindow, Outcome } from '../pages/engine';
import { CURRENT_VERSION, stateAfter, type EngineStoreConfig } from '../pages/engine.store';
import { describeInEachEngine } from './each-engine';

/** Calls a helper of the engine page's window.tm. */
function tm<M extends keyof EnginePageApi>(page: EnginePage, method: M, ...args: Parameters<EnginePageApi[M]>): Promise<Awaited<ReturnType<EnginePageApi[M]>>> {
  return page.evaluate(
    ({ method, args }) => ((window as unknown as EngineWindow).tm as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args),
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<EnginePageApi[M]>>>;
}

function ok<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) throw new Error(`${what} failed on the page with ${outcome.error.code ?? outcome.error.name}: ${outcome.error.message}`);
  return outcome.value;
}

const uniqueStore = (label: string): EngineStoreConfig => ({ name: `engines-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION });
const pageReady = (page: EnginePage) => waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });

describeInEachEngine('durability', (engine) => {
  it('keeps every acknowledged commit when the worker is terminated and a new one replays the journal', async () => {
    const page = await engine.openPage('/test/browser/pages/engine.html');
    await pageReady(page);
    const config = uniqueStore('terminate');
    expect(ok(await tm(page, 'connect', config), 'connect').state).toEqual(stateAfter(0));
    const seqs = ok(await tm(page, 'commitNumbered', 1, 30), 'commits 1…30').map((result) => result.seq);
    expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const before = await tm(page, 'state');
    expect(before.state).toEqual(stateAfter(30));
    expect(ok(await tm(page, 'stats'), 'stats()')).toMatchObject({ seq: 30, hash: before.hash });

    await tm(page, 'terminate');
    const after = ok(await tm(page, 'connect', config), 'connect after terminate');
    expect(after.hash).toBe(hashState(stateAfter(30)));
    expect(after.loadReport).toMatchObject({ snapshotSeq: 0, commitsReplayed: 30, fellBack: false });
    expect(page.errors).toEqual([]);
  });

  it('rebuilds the same state after a page reload, from a snapshot plus the journal after it', async () => {
    const page = await engine.openPage('/test/browser/pages/engine.html');
    await pageReady(page);
    const config = uniqueStore('reload');
    ok(await tm(page, 'connect', config), 'connect');
    ok(await tm(page, 'commitNumbered', 1, 10), 'commits 1…10');
    expect(ok(await tm(page, 'checkpoint'), 'checkpoint()')?.seq).toBe(10);
    ok(await tm(page, 'commitNumbered', 11, 15), 'commits 11…15');

    await page.reload();
    await pageReady(page);
    const reloaded = ok(await tm(page, 'connect', config), 'connect after reload');
    expect(reloaded.hash).toBe(hashState(stateAfter(15)));
    expect(reloaded.loadReport).toMatchObject({ snapshotSeq: 10, commitsReplayed: 5, fellBack: false, damaged: [] });
    // The snapshot is gzip, as written by fflate, whatever the engine.
    const [snapshot] = await tm(page, 'rawSnapshots', config.name);
    expect(snapshot).toMatchObject({ seq: 10, bytesAreUint8Array: true, head: [0x1f, 0x8b, 8, expect.any(Number)] });
    expect(page.errors).toEqual([]);
  });
});
