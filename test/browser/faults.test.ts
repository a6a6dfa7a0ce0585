// Storage faults in real Chromium: a quota lowered through the DevTools
// protocol (as a full disk would). The page sees the fault as an error code
// on the commit that met it, and nothing else is lost. (faultyIndexedDB in
// the worker runs in every engine: engines/faults.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness, type HarnessPage } from './harness';
import { CURRENT_VERSION, type EngineStoreConfig } from './pages/engine.store';
import { ok, tm } from './engines/engine-page';

let harness: Harness | undefined;
const started = () => harness ?? expect.unreachable('startHarness() did not finish');
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness?.close());

const opened: HarnessPage[] = [];
afterEach(async () => {
  for (const { context } of opened.splice(0)) await context.close();
});

function uniqueStore(label: string, options: Partial<EngineStoreConfig> = {}): EngineStoreConfig {
  return { name: `faults-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION, ...options };
}

async function openEnginePage(): Promise<HarnessPage> {
  const page = await started().newPage('/test/browser/pages/engine.html');
  opened.push(page);
  await waitFor(page.page, () => 'tm' in window, { what: 'the engine page to publish window.tm' });
  return page;
}

/** Incompressible text, so the quota is met by bytes as written (LevelDB compresses). */
function noise(n: number, bytes: number): string {
  let x = n * 2654435761;
  let out = '';
  while (out.length < bytes) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out += x.toString(36);
  }
  return out.slice(0, bytes);
}

describe('storage faults in Chromium', () => {
  it('a quota lowered through DevTools rejects the commit that meets it with QUOTA_EXCEEDED; earlier commits survive a reload; the store works again when space returns', async () => {
    const { page, context } = await openEnginePage();
    const cdp = await context.newCDPSession(page);
    const origin = started().baseUrl;
    // Set before the store opens: a lowered quota is applied late to an open database.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 400_000 });
    const config = uniqueStore('quota');
    ok(await tm(page, 'connect', config), 'connect');

    const acked: number[] = [];
    let code: string | undefined;
    for (let n = 1; n <= 200 && !code; n++) {
      const outcome = await tm(page, 'commit', [{ type: 'noted', id: `big${n}`, text: noise(n, 20_000) }]);
      if (outcome.ok) acked.push(n);
      else code = outcome.error.code;
    }
    expect(code).toBe('QUOTA_EXCEEDED');
    expect(acked.length).toBeGreaterThan(0);

    await page.reload();
    await waitFor(page, () => 'tm' in window);
    const reloaded = ok(await tm(page, 'connect', config), 'connect after the reload');
    expect(Object.keys(reloaded.state.notes)).toEqual(acked.map((n) => `big${n}`));

    await cdp.send('Storage.overrideQuotaForOrigin', { origin }); // no quotaSize: the browser's own quota again
    const again = ok(await tm(page, 'commit', [{ type: 'noted', id: 'after', text: noise(999, 20_000) }]), 'a commit once space returned');
    expect(again.seq).toBe(acked.length + 1);
  });
});
