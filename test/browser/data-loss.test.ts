// A store whose database was deleted under it (as Chromium does when it
// finds the database corrupt after a crash) never pretends to be new: the
// mark tidemark keeps in the Origin Private File System tells an empty
// database from a new one, and connectStore rejects with DATA_LOST unless
// the app asks to open empty, which loadReport.dataLoss then reports.
import { expect, it } from 'vitest';
import { waitIn, type EnginePage } from './drivers/driver';
import { describeInEachEngine, type EngineUnderTest } from './engines/each-engine';
import { CURRENT_VERSION, numberedCommit, stateAfter, type EngineStoreConfig } from './pages/engine.store';
import { ok, tm } from './engines/engine-page';

function uniqueStore(label: string): EngineStoreConfig {
  return { name: `loss-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION };
}

async function openEnginePage(engine: EngineUnderTest): Promise<{ page: EnginePage; errors: readonly string[] }> {
  const page = await engine.openPage('/test/browser/pages/engine.html');
  await waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });
  return { page, errors: page.errors };
}

/** Whether the page has the Origin Private File System (WebKitGTK has no navigator.storage at all). */
const hasOpfs = (page: EnginePage) => page.evaluate(() => typeof navigator.storage?.getDirectory === 'function');

/** A store with three commits, its mark written (where there is OPFS), and its worker gone. */
async function storeWithData(page: EnginePage, config: EngineStoreConfig): Promise<void> {
  ok(await tm(page, 'connect', config), 'connect');
  for (let n = 1; n <= 3; n++) ok(await tm(page, 'commit', numberedCommit(n)), `commit ${n}`);
  if (await hasOpfs(page)) await expect.poll(() => tm(page, 'hasDataMarker', config.name), { timeout: 5_000 }).toBe(true);
  await tm(page, 'terminate');
}

describeInEachEngine('a wiped database', (engine) => {
  // WebKitGTK has no StorageManager, so no OPFS and no mark: the next test pins down what happens there instead.
  if (engine.name !== 'webkit') {
    it('an empty database beside the mark is reported: DATA_LOST by default, and loadReport.dataLoss with onDataLoss "open-empty"', async () => {
      const { page, errors } = await openEnginePage(engine);
      const config = uniqueStore('marker');
      await storeWithData(page, config);
      await tm(page, 'deleteDatabaseBehindTheStore', config.name);

      const refused = await tm(page, 'connect', config);
      expect(refused.ok).toBe(false);
      expect(!refused.ok && refused.error).toMatchObject({
        isTidemarkError: true,
        code: 'DATA_LOST',
        details: { kind: 'total', detectedBy: 'marker' },
      });

      // Still reported on the next try: the mark stays until the store is written again.
      const empty = ok(await tm(page, 'connect', config, { onDataLoss: 'open-empty' }), 'connect with open-empty');
      expect(empty.state).toEqual(stateAfter(0));
      expect(empty.loadReport.dataLoss).toMatchObject({ kind: 'total', detectedBy: 'marker' });

      ok(await tm(page, 'commit', numberedCommit(1)), 'the first commit after the loss');
      await tm(page, 'terminate');
      const fresh = ok(await tm(page, 'connect', config), 'connect once written again');
      expect(fresh.loadReport.dataLoss).toBeUndefined();
      expect(fresh.state).toEqual(stateAfter(1));
      expect(errors.filter((e) => !e.includes('DATA_LOST'))).toEqual([]);
    });
  }

  if (engine.name === 'webkit') {
    it('without OPFS (WebKitGTK), writes no mark, and a database deleted behind the store opens empty with no loss reported: the documented limit', async () => {
      const { page } = await openEnginePage(engine);
      expect(await hasOpfs(page)).toBe(false);
      const config = uniqueStore('no-opfs');
      await storeWithData(page, config);
      expect(await tm(page, 'hasDataMarker', config.name)).toBe(false);
      await tm(page, 'deleteDatabaseBehindTheStore', config.name);
      const reopened = ok(await tm(page, 'connect', config), 'connect after the deletion');
      expect(reopened.loadReport.dataLoss).toBeUndefined();
      expect(reopened.state).toEqual(stateAfter(0));
    });
  }

  it('a store deleted on purpose with deleteStore opens as new, with no loss reported', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('deleted');
    await storeWithData(page, config);
    await tm(page, 'deleteStore', config.name);
    expect(await tm(page, 'hasDataMarker', config.name)).toBe(false);
    const fresh = ok(await tm(page, 'connect', config), 'connect after deleteStore');
    expect(fresh.loadReport.dataLoss).toBeUndefined();
    expect(fresh.state).toEqual(stateAfter(0));
    expect(errors).toEqual([]);
  });

  it('a store that was never written has no mark, and a new store is not a loss', async () => {
    const { page } = await openEnginePage(engine);
    const config = uniqueStore('new');
    const first = ok(await tm(page, 'connect', config), 'connect');
    expect(first.loadReport.dataLoss).toBeUndefined();
    await tm(page, 'terminate');
    expect(await tm(page, 'hasDataMarker', config.name)).toBe(false);
    expect(ok(await tm(page, 'connect', config), 'connect again').loadReport.dataLoss).toBeUndefined();
  });
});
