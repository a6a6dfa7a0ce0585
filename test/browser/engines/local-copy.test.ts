// The OPFS copy (opfsRemote) in each engine: a database deleted behind the
// store (as Chromium deletes one it finds damaged) is rebuilt from the copy;
// two tabs keep one copy between them (the uploader's Web Lock: one writer);
// deleteStore removes the copy; where there is no OPFS (WebKitGTK) the store
// works and the copy says it cannot be written.
import { expect, it } from 'vitest';
import { waitIn, type EnginePage } from '../drivers/driver';
import { CURRENT_VERSION, stateAfter, type EngineStoreConfig } from '../pages/engine.store';
import { describeInEachEngine } from './each-engine';
import { ok, tm } from './engine-page';

function uniqueStore(label: string): EngineStoreConfig {
  return { name: `copy-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION, localCopy: true };
}

async function ready(page: EnginePage): Promise<EnginePage> {
  await waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });
  return page;
}

const PAGE = '/test/browser/pages/engine.html';

describeInEachEngine('a store with a copy in the Origin Private File System (opfsRemote)', (engine) => {
  if (engine.name === 'webkit') {
    it('without OPFS (WebKitGTK), commits work and store.remote says the copy cannot be written (REMOTE_FAILED)', async () => {
      const page = await ready(await engine.openPage(PAGE));
      ok(await tm(page, 'connect', uniqueStore('no-opfs')), 'connect');
      ok(await tm(page, 'commitNumbered', 1, 5), 'commits 1-5');
      await expect.poll(async () => (await tm(page, 'remoteStatus')).lastError?.code, { timeout: 10_000 }).toBe('REMOTE_FAILED');
      expect((await tm(page, 'state')).state).toEqual(stateAfter(5));
    });
    return;
  }

  it('a database deleted behind the store is rebuilt from the copy, reported with the seq it recovered through; deleteStore removes the copy', async () => {
    const page = await ready(await engine.openPage(PAGE));
    // A snapshot goes to the copy every 10 commits, so that the copy prunes what its 2 newest snapshots cover.
    const config: EngineStoreConfig = { ...uniqueStore('rebuild'), localCopyPolicy: { snapshotEveryCommits: 10 } };
    ok(await tm(page, 'connect', config), 'connect');
    for (const [first, last] of [[1, 20], [21, 30], [31, 40]] as const) {
      ok(await tm(page, 'commitNumbered', first, last), `commits ${first}-${last}`);
      ok(await tm(page, 'whenUploaded'), `the copy of commits up to ${last}`);
      ok(await tm(page, 'checkpoint'), `a snapshot at ${last}`);
    }
    ok(await tm(page, 'commitNumbered', 41, 41), 'commit 41: the snapshot at 40 goes to the copy before it');
    ok(await tm(page, 'whenUploaded'), 'the copy of commit 41');
    const files = Object.keys(await tm(page, 'localCopyFiles', config.name));
    expect(files).toContain('snap/00000000000000000040');
    expect(files, 'pruned: covered by the 2 newest snapshots').not.toContain('snap/00000000000000000020');
    expect(files, 'pruned: covered by the 2 newest snapshots').not.toContain('log/00000000000000000001');
    await tm(page, 'terminate');
    await tm(page, 'deleteDatabaseBehindTheStore', config.name);

    const rebuilt = ok(await tm(page, 'connect', config), 'connect after the deletion');
    expect(rebuilt.state).toEqual(stateAfter(41));
    expect(rebuilt.loadReport).toMatchObject({ source: 'remote', dataLoss: { kind: 'total', detectedBy: 'marker', recoveredThrough: 41 }, remote: { snapshotSeq: 40, seq: 41 } });
    ok(await tm(page, 'commitNumbered', 42, 42), 'a commit after the rebuild');
    ok(await tm(page, 'whenUploaded'), 'the copy goes on');
    await tm(page, 'terminate');

    await tm(page, 'deleteStore', config.name);
    expect(await tm(page, 'localCopyFiles', config.name)).toEqual({});
    const fresh = ok(await tm(page, 'connect', config), 'connect after deleteStore');
    expect(fresh.state).toEqual(stateAfter(0));
    expect(fresh.loadReport.dataLoss).toBeUndefined();
    expect(page.errors).toEqual([]);
  });

  it('a file of the copy that a kill cut short reads as absent: the store is rebuilt through the last whole one, and the copy writes it again', async () => {
    const page = await ready(await engine.openPage(PAGE));
    const config = uniqueStore('torn');
    ok(await tm(page, 'connect', config), 'connect');
    ok(await tm(page, 'commitNumbered', 1, 10), 'commits 1-10');
    ok(await tm(page, 'whenUploaded'), 'the copy of commits 1-10');
    await tm(page, 'terminate');
    await tm(page, 'tearLocalCopyFile', config.name, 'log/00000000000000000011');
    await tm(page, 'deleteDatabaseBehindTheStore', config.name);

    const rebuilt = ok(await tm(page, 'connect', config), 'connect beside the torn file');
    expect(rebuilt.state).toEqual(stateAfter(10));
    expect(rebuilt.loadReport.dataLoss).toMatchObject({ recoveredThrough: 10 });
    ok(await tm(page, 'commitNumbered', 11, 11), 'commit 11');
    ok(await tm(page, 'whenUploaded'), 'the copy of commit 11, over the torn file');
    expect((await tm(page, 'localCopyFiles', config.name))['log/00000000000000000011']).toBeGreaterThan(18);
    await tm(page, 'terminate');
    await tm(page, 'deleteDatabaseBehindTheStore', config.name);
    expect(ok(await tm(page, 'connect', config), 'connect again').state).toEqual(stateAfter(11));
  });

  it('two tabs committing at once keep one copy: it rebuilds every commit of both', async () => {
    const context = await engine.newContext();
    const config = uniqueStore('tabs');
    const tabs = [await ready(await context.newPage(engine.url(PAGE))), await ready(await context.newPage(engine.url(PAGE)))];
    for (const tab of tabs) ok(await tm(tab, 'connect', config), 'connect');
    // Numbered commits 1–40 from one tab and 41–80 from the other, at once.
    const made = await Promise.all(tabs.map((tab, i) => tm(tab, 'commitNumbered', 1 + 40 * i, 40 + 40 * i)));
    made.forEach((outcome, i) => ok(outcome, `tab ${i}'s commits`));
    for (const tab of tabs) ok(await tm(tab, 'whenUploaded'), 'the copy of every commit');
    for (const tab of tabs) expect(await tm(tab, 'remoteStatus')).toMatchObject({ status: 'idle', uploadedSeq: 80, lastError: null });
    const before = await tm(tabs[0]!, 'state');
    for (const tab of tabs) await tm(tab, 'terminate');
    await tm(tabs[0]!, 'deleteDatabaseBehindTheStore', config.name);

    const rebuilt = ok(await tm(tabs[0]!, 'connect', config), 'connect after the deletion');
    expect(rebuilt.loadReport.dataLoss).toMatchObject({ recoveredThrough: 80 });
    expect(rebuilt.hash).toBe(before.hash);
    expect([...rebuilt.state.list].sort((a, b) => a - b)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
  });
});
