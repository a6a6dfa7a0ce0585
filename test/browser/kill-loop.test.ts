// Invariants 1 and 2 with the whole browser killed: see kill-loop.ts. A quick
// run here (TIDEMARK_KILLS, default 10); `npm run torture -- --kills=N` for long ones.
import { describe, expect, it } from 'vitest';
import { provokeWipe, runKillLoop } from './kill-loop';

const kills = Number(process.env.TIDEMARK_KILLS ?? 10);
// npm run torture -- --local-copy --provoke-wipe-every=K
const localCopy = process.env.TIDEMARK_LOCAL_COPY === '1';
const provokeWipeEvery = process.env.TIDEMARK_PROVOKE_WIPE_EVERY ? Number(process.env.TIDEMARK_PROVOKE_WIPE_EVERY) : undefined;

describe('the whole Chromium killed with SIGKILL while a page commits, and relaunched on the same profile', () => {
  it(
    `keeps every acknowledged commit, whole, once and in order, and reports every wipe (${kills} kills)`,
    async () => {
      const report = await runKillLoop({
        kills,
        localCopy,
        ...(provokeWipeEvery !== undefined && { provokeWipeEvery }),
        ...(process.env.TIDEMARK_TORTURE && { log: (line: string) => console.log(line) }),
      });
      const summary =
        `kills ${report.kills}, acked ${report.acked}, lost ${report.lost}, partial ${report.partial}, ` +
        `duplicated ${report.duplicated}, out of order ${report.outOfOrder}, ` +
        `wipes detected ${report.wipesDetected.browser + report.wipesDetected.marker} (browser ${report.wipesDetected.browser}, marker ${report.wipesDetected.marker}; ` +
        `${report.ackedLostToWipes} acked commits gone with them), undetected wipes ${report.undetectedWipes}, ` +
        `local copy ${localCopy ? 'on' : 'off'}: wipes provoked ${report.wipesProvoked}, recovered ${report.wipesRecovered} (${report.ackedRecovered} acked commits brought back), ` +
        `Chromium corruption log lines ${report.corruptionLogLines}, ${(report.ms / 1000).toFixed(0)} s`;
      console.log(`kill loop: ${summary}`);
      expect(report.findings).toEqual([]);
      expect(report.kills).toBe(kills);
      expect(report.acked).toBeGreaterThan(0);
    },
    Math.max(120_000, kills * 15_000),
  );

  // Chromium wiped in 7 of 7 such kills when issue 9 was investigated; up to 3 tries keep a rare miss from failing the suite.
  async function wipe(consumeSignalFirst: boolean) {
    for (let attempt = 1; ; attempt++) {
      const outcome = await provokeWipe({ consumeSignalFirst });
      console.log(`provoked wipe (attempt ${attempt}): ${JSON.stringify(outcome)}`);
      if (outcome.code !== undefined || attempt === 3) return outcome;
      expect(outcome.commits, 'Chromium kept the database: then every commit must be there').toBe(5);
    }
  }

  it('a database Chromium wipes on relaunch (two uncommitted readwrite transactions on two stores at the kill) is reported as DATA_LOST by the browser’s dataLoss', async () => {
    const outcome = await wipe(false);
    expect(outcome).toMatchObject({ code: 'DATA_LOST', details: { kind: 'total', detectedBy: 'browser' }, commits: 0 });
  }, 120_000);

  it('when another database’s open took the browser’s one-time signal first, the OPFS mark still reports the wipe as DATA_LOST', async () => {
    const outcome = await wipe(true);
    expect(outcome).toMatchObject({ code: 'DATA_LOST', details: { kind: 'total', detectedBy: 'marker' }, commits: 0 });
  }, 120_000);
});
