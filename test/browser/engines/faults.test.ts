// tidemark/testing's faultyIndexedDB running inside the store's worker, in
// every engine: the page sees an aborted transaction as STORAGE_FAILED on the
// commit that met it, and nothing else is lost.
import { expect, it } from 'vitest';
import { CURRENT_VERSION, numberedCommit, stateAfter, type EngineStoreConfig } from '../pages/engine.store';
import { describeInEachEngine } from './each-engine';
import { ok, openEnginePage, tm } from './engine-page';

describeInEachEngine('storage faults', (engine) => {
  it('faultyIndexedDB inside the worker: an aborted transaction rejects its commit with STORAGE_FAILED, writes none of it, and the next commit lands', async () => {
    const page = await openEnginePage(engine);
    const config: EngineStoreConfig = { name: `faults-abort-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION, faults: { abortEvery: 2 } };
    ok(await tm(page, 'connect', config), 'connect');
    expect(ok(await tm(page, 'commit', numberedCommit(1)), 'commit 1').seq).toBe(1);
    const aborted = await tm(page, 'commit', numberedCommit(2));
    expect(aborted.ok).toBe(false);
    expect(!aborted.ok && aborted.error).toMatchObject({ isTidemarkError: true, code: 'STORAGE_FAILED' });
    expect((await tm(page, 'state')).state).toEqual(stateAfter(1));
    expect((await tm(page, 'rawJournal', config.name)).flatMap((r) => r.commitSeqs)).toEqual([1]);

    const next = ok(await tm(page, 'commit', [{ type: 'appended', n: 2 }]), 'the commit after the abort');
    expect(next.seq).toBe(2);
    await tm(page, 'terminate');
    const reloaded = ok(await tm(page, 'connect', { name: config.name, version: config.version }), 'a fresh worker without faults');
    expect(reloaded.state.list).toEqual([1, 2]);
    expect(reloaded.state.a).toBe(1);
    expect(page.errors).toEqual([]);
  });
});
