// stats().storage in every browser engine: the worker reads the origin's usage,
// quota and persisted flag from navigator.storage where the engine has it, and
// reports nulls where it does not (WebKitGTK exposes no StorageManager).
// persist() is not called here: Firefox would show a prompt that nobody answers.
import { expect, it } from 'vitest';
import { waitIn } from '../drivers/driver';
import type { EngineWindow, Outcome } from '../pages/engine';
import type { StoreStats } from 'tidemark';
import { CURRENT_VERSION, type EngineStoreConfig } from '../pages/engine.store';
import { describeInEachEngine } from './each-engine';

describeInEachEngine('storage stats', (engine) => {
  it('reports usage, quota and persisted from the worker where the engine has a StorageManager, and nulls where it has none', async () => {
    const page = await engine.openPage('/test/browser/pages/engine.html');
    await waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });
    const config: EngineStoreConfig = { name: `engines-storage-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION };
    const stats = await page.evaluate(async (config) => {
      const { tm } = window as unknown as EngineWindow;
      const connected = await tm.connect(config);
      if (!connected.ok) return connected;
      await tm.commitNumbered(1, 20);
      return tm.stats();
    }, config) as Outcome<StoreStats>;
    if (!stats.ok) throw new Error(`stats() failed: ${stats.error.code ?? stats.error.name}: ${stats.error.message}`);
    const hasStorageManager = await page.evaluate(() => typeof navigator.storage?.estimate === 'function');

    if (engine.name === 'webkit') {
      // WebKitGTK 2.50: no navigator.storage in pages or workers (Safari has one).
      expect(hasStorageManager).toBe(false);
      expect(stats.value.storage).toEqual({ usage: null, quota: null, persisted: null });
    } else {
      expect(hasStorageManager).toBe(true);
      expect(stats.value.storage).toEqual({ usage: expect.any(Number), quota: expect.any(Number), persisted: false });
      expect(stats.value.storage.quota).toBeGreaterThan(stats.value.storage.usage!);
    }
    expect(page.errors).toEqual([]);
  });
});
