// The OPFS copy (opfsRemote) against a real Chromium wipe: the database is
// deleted by Chromium at relaunch (two uncommitted readwrite transactions on
// two stores at the kill, see kill-loop.ts), the copy's files are untouched,
// and the store rebuilds itself from them, reporting through which seq.
import { describe, expect, it } from 'vitest';
import { provokeWipe, runKillLoop, type WipeOutcome } from './kill-loop';

// Chromium wiped in 7 of 7 such kills when issue 9 was investigated; up to 3 tries keep a rare miss from failing the suite.
async function wipeWithLocalCopy(): Promise<WipeOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await provokeWipe({ localCopy: true });
    console.log(`provoked wipe with a local copy (attempt ${attempt}): ${JSON.stringify(outcome)}`);
    if (outcome.dataLoss || outcome.code !== undefined || attempt === 3) return outcome;
    expect(outcome.list, 'Chromium kept the database: then every commit must be there').toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  }
}

describe('a store with an OPFS copy whose database Chromium wipes on relaunch', () => {
  it('is rebuilt from the copy, which the wipe left intact, and reports the loss with the seq it recovered through', async () => {
    const outcome = await wipeWithLocalCopy();
    // Every file of the copy of commits 1–5 is there, the same, after the wipe (commits 6–8 may have added more).
    expect(outcome.copyAfterRelaunch, 'the copy after the wipe').toMatchObject(outcome.copyBeforeKill);
    expect(Object.keys(outcome.copyBeforeKill).length).toBeGreaterThan(0);
    expect(outcome.code).toBeUndefined(); // recovered: connectStore does not reject
    expect(outcome.source).toBe('remote');
    expect(outcome.dataLoss).toMatchObject({ kind: 'total', detectedBy: 'browser' });
    const through = (outcome.dataLoss as { recoveredThrough: number }).recoveredThrough;
    // Commits 1–5 were copied before the last three were made; those may have been copied too.
    expect(through).toBeGreaterThanOrEqual(5);
    expect(through).toBeLessThanOrEqual(outcome.acked);
    expect(outcome.list).toEqual(Array.from({ length: through }, (_, i) => i + 1));
  }, 180_000);

  it('in the kill loop, every wipe provoked while a page commits is rebuilt from the copy: no acknowledged commit through the recovered seq is missing', async () => {
    // A line per kill: a wipe that was not rebuilt shows which kill, and what the store reported.
    const report = await runKillLoop({ kills: 6, localCopy: true, provokeWipeEvery: 2, log: (line) => console.log(line) });
    console.log(`kill loop with a local copy: ${JSON.stringify({ ...report, findings: report.findings.length })}`);
    expect(report.findings).toEqual([]);
    expect(report.wipesProvoked).toBeGreaterThan(0); // both writers held at the kill (a queued checkpoint can stop them)
    const detected = report.wipesDetected.browser + report.wipesDetected.marker;
    expect(detected).toBeGreaterThan(0); // Chromium wipes at almost every provoked kill
    expect(report.wipesRecovered).toBe(detected);
    expect(report.ackedRecovered).toBeGreaterThan(0);
  }, 180_000);
});
