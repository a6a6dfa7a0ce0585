// The engine in real browsers, Chromium, Firefox and WebKit: a real module
// Worker running serveStore owns a real IndexedDB, and the page talks to it
// through connectStore, the public API. The worker is killed
// (worker.terminate()), the page reloaded, the database read and damaged from
// the page; the state must survive all of it.
import { describe, expect, it } from 'vitest';
import { hashState } from 'tidemark';
import { waitIn, type EnginePage } from './drivers/driver';
import { describeInEachEngine, type EngineUnderTest } from './engines/each-engine';
import type { EngineWindow, ErrorFacts, Outcome } from './pages/engine';
import { CURRENT_VERSION, OLDER_VERSION, numberedCommit, stateAfter, type EngineStoreConfig } from './pages/engine.store';
import { ok, tm } from './engines/engine-page';

const enginePage = '/test/browser/pages/engine.html';
/** Part of the VERSION_AHEAD message of a version-1 build opening version-2 data. */
const versionAheadText = `was written by version ${CURRENT_VERSION}, but this code is version ${OLDER_VERSION}`;

/** A store of its own for every test (each test also gets an empty IndexedDB). */
function uniqueStore(label: string, options: Partial<EngineStoreConfig> = {}): EngineStoreConfig {
  return { name: `engine-${label}-${Math.random().toString(36).slice(2, 10)}`, version: CURRENT_VERSION, ...options };
}

/** Opens the engine page in a fresh context and waits until its script has run. */
async function openEnginePage(engine: EngineUnderTest): Promise<{ page: EnginePage; errors: readonly string[] }> {
  const page = await engine.openPage(enginePage);
  await pageReady(page);
  return { page, errors: page.errors };
}

function pageReady(page: EnginePage) {
  return waitIn(page, () => 'tm' in window, undefined, { what: 'the engine page to publish window.tm' });
}

/** Calls a helper of the page's window.tm and returns its (cloned) result. */
/** The value of an outcome, or a failure that says what went wrong on the page. */
/** The error of an outcome that had to fail. */
function failed<T>(outcome: Outcome<T>, what: string): ErrorFacts {
  if (outcome.ok) throw new Error(`${what} should have failed, but resolved with ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

async function connect(page: EnginePage, config: EngineStoreConfig) {
  return ok(await tm(page, 'connect', config), `connectStore to store "${config.name}"`);
}

async function stats(page: EnginePage) {
  return ok(await tm(page, 'stats'), 'stats()');
}

async function commitNumbered(page: EnginePage, from: number, to: number) {
  const results = ok(await tm(page, 'commitNumbered', from, to), `numbered commits ${from}…${to}`);
  expect(results.map((r) => r.seq), `seqs of commits ${from}…${to}`).toEqual(range(from, to));
}

async function checkpoint(page: EnginePage) {
  const snapshot = ok(await tm(page, 'checkpoint'), 'checkpoint()');
  if (!snapshot) throw new Error('checkpoint() resolved with null: the store has never been written');
  return snapshot;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

describeInEachEngine('the engine, with a real worker and real IndexedDB', (engine) => {
  it('keeps every acknowledged commit when the worker is terminated and a new one loads the store', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('terminate');
    const first = await connect(page, config);
    expect(first.state).toEqual(stateAfter(0));
    expect(first.loadReport).toMatchObject({ snapshotSeq: 0, commitsReplayed: 0, fellBack: false, damaged: [] });

    await commitNumbered(page, 1, 30);
    const before = await tm(page, 'state');
    expect(before.state).toEqual(stateAfter(30));
    expect(before.pendingCommits).toBe(0);
    const statsBefore = await stats(page);
    expect(statsBefore.seq).toBe(30);
    expect(statsBefore.hash).toBe(before.hash);

    await tm(page, 'terminate');
    const after = await connect(page, config);
    expect(after.state).toEqual(before.state);
    expect(after.hash).toBe(before.hash);
    expect(after.hash).toBe(hashState(stateAfter(30)));
    expect(after.confirmedSeq).toBe(30);
    // No snapshot was ever written: the whole journal was replayed.
    expect(after.loadReport).toMatchObject({ snapshotSeq: 0, commitsReplayed: 30, fellBack: false, damaged: [] });
    const statsAfter = await stats(page);
    expect(statsAfter.seq).toBe(30);
    expect(statsAfter.hash).toBe(before.hash);

    expect(errors).toEqual([]);
  });

  it('rebuilds the same state after a page reload, from the snapshot plus the journal after it, and reports the load', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('reload');
    await connect(page, config);
    await commitNumbered(page, 1, 10);
    expect((await checkpoint(page)).seq).toBe(10);
    await commitNumbered(page, 11, 15);
    const before = await tm(page, 'state');
    expect(before.state).toEqual(stateAfter(15));

    await page.reload();
    await pageReady(page);
    const after = await connect(page, config);
    expect(after.state).toEqual(before.state);
    expect(after.hash).toBe(before.hash);
    expect(after.confirmedSeq).toBe(15);

    const { load, seq, hash } = await stats(page);
    expect(seq).toBe(15);
    expect(hash).toBe(before.hash);
    expect(load).toEqual({ snapshotSeq: 10, commitsReplayed: 5, ms: expect.any(Number), fellBack: false, damaged: [] });
    expect(load.ms).toBeGreaterThanOrEqual(0);
    expect(load.ms).toBeLessThan(5_000);
    // The page's copy of the report is the worker's.
    expect(after.loadReport).toEqual(load);

    expect(errors).toEqual([]);
  });

  // Commits are sent one per task (commits made in one task share one message
  // and are acknowledged together), none awaited; the worker is terminated the
  // moment the K-th is acknowledged. After a new worker loads the store:
  //  - every acknowledged commit is in the state (invariant 1);
  //  - every commit in the state is whole: the list is exactly 1…m for some
  //    m ≥ K, and a, b and the notes are exactly what commits 1…m give, so no
  //    commit is partly applied and none is missing from the middle
  //    (invariant 2; one page's commits are journaled in the order sent);
  //  - the store accepts the next commit at seq m + 1.
  describe.each([1, 50, 250, 499])('with 500 unawaited commits, the worker terminated after %i are acknowledged', (killAfter) => {
    it('keeps every acknowledged commit, no commit partly applied, and accepts new commits', async () => {
      const total = 500;
      const { page, errors } = await openEnginePage(engine);
      const config = uniqueStore(`crash-${killAfter}`);
      await connect(page, config);

      const run = await tm(page, 'crashRun', total, killAfter);
      expect(run.failures, 'commits rejected before the kill').toEqual([]);
      expect(run.killed, `the worker was never terminated: only ${run.ackedAtKill.length} acks in time`).toBe(true);
      expect(run.ackedAtKill).toHaveLength(killAfter);
      expect(run.issued).toBeGreaterThanOrEqual(killAfter);
      // Replies already on their way when the worker died may still arrive: those were durable too.
      const acked = await tm(page, 'ackedInLastCrash');

      const after = await connect(page, config);
      const m = after.state.list.length;
      expect(after.state.list, 'the durable commits are a prefix 1…m of those sent').toEqual(range(1, m));
      expect(m, 'durable commits, at least those acknowledged').toBeGreaterThanOrEqual(killAfter);
      expect(m, 'durable commits, at most those sent').toBeLessThanOrEqual(run.issued);
      const missing = acked.filter((n) => n > m);
      expect(missing, 'acknowledged commits missing after the crash').toEqual([]);
      expect(after.state, 'each of commits 1…m whole (a, b, list and notes)').toEqual(stateAfter(m));
      expect(after.state.a).toBe(after.state.b);
      expect(after.confirmedSeq).toBe(m);
      const { seq, hash, load } = await stats(page);
      expect(seq).toBe(m);
      expect(hash).toBe(hashState(stateAfter(m)));
      expect(load.snapshotSeq + load.commitsReplayed).toBe(m);

      // The store goes on: the next commit gets the next seq and lands whole.
      const next = ok(await tm(page, 'commit', numberedCommit(m + 1)), `commit ${m + 1} after the crash`);
      expect(next.seq).toBe(m + 1);
      expect((await tm(page, 'state')).state).toEqual(stateAfter(m + 1));
      expect((await stats(page)).hash).toBe(hashState(stateAfter(m + 1)));

      console.info(`killed after ${killAfter} acks: ${run.issued} sent, ${acked.length} acked, ${m} durable`);
      expect(errors).toEqual([]);
    });
  });

  it('writes gzip snapshots and trims the journal behind the retention window, in real IndexedDB', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('checkpoint', { snapshots: 2 });
    await connect(page, config);
    for (const [from, to] of [
      [1, 20],
      [21, 40],
      [41, 60],
    ] as const) {
      await commitNumbered(page, from, to);
      const snapshot = await checkpoint(page);
      expect(snapshot).toMatchObject({ seq: to, kind: 'manual', version: CURRENT_VERSION });
      expect(snapshot.hash).toBe(hashState(stateAfter(to)));
    }

    const snapshots = await tm(page, 'rawSnapshots', config.name);
    const journal = await tm(page, 'rawJournal', config.name);
    const reported = await stats(page);

    // Snapshots: only the newest two are kept, each gzip, smaller than its JSON.
    expect(snapshots.length).toBeLessThanOrEqual(2);
    expect(snapshots.map((s) => s.seq)).toEqual([40, 60]);
    for (const snapshot of snapshots) {
      expect(snapshot.bytesAreUint8Array, `snapshot ${snapshot.seq} bytes are a Uint8Array`).toBe(true);
      expect(snapshot.head.slice(0, 2), `snapshot ${snapshot.seq} starts with the gzip magic`).toEqual([0x1f, 0x8b]);
      expect(snapshot.codec).toBe('json+gzip');
      expect(snapshot.rawBytes).toBe(new TextEncoder().encode(JSON.stringify(stateAfter(snapshot.seq))).length);
      expect(snapshot.byteLength).toBeLessThan(snapshot.rawBytes / 2);
      expect(snapshot.hash).toBe(hashState(stateAfter(snapshot.seq)));
    }
    expect(reported.snapshots.map(({ seq, bytes, rawBytes, hash }) => ({ seq, bytes, rawBytes, hash }))).toEqual(
      [...snapshots].reverse().map(({ seq, byteLength, rawBytes, hash }) => ({ seq, bytes: byteLength, rawBytes, hash })),
    );

    // Journal: everything up to the oldest kept snapshot (40) is gone; 41…60 remain, whole and in order.
    expect(journal.length).toBeGreaterThan(0);
    expect(journal[0]!.seq, 'first journal seq after trimming').toBe(41);
    expect(journal.flatMap((r) => r.commitSeqs)).toEqual(range(41, 60));
    expect(journal.flatMap((r) => r.eventsPerCommit)).toEqual(range(41, 60).map(() => 4));
    for (const record of journal) {
      expect(record.last).toBe(record.commitSeqs.at(-1));
      expect(record.version).toBe(CURRENT_VERSION);
    }
    expect(reported.journal).toEqual({ records: journal.length, commits: 20, firstSeq: 41 });
    expect(reported.eventsSinceSnapshot).toBe(0);

    // And the trimmed database still loads to the same state, from the newest snapshot.
    await tm(page, 'terminate');
    const after = await connect(page, config);
    expect(after.state).toEqual(stateAfter(60));
    expect(after.loadReport).toMatchObject({ snapshotSeq: 60, commitsReplayed: 0, fellBack: false, damaged: [] });

    expect(errors).toEqual([]);
  });

  /**
   * Snapshots at 10 and 20 (retention 2, so the journal holds 11…25), commits
   * up to 25, the worker terminated, then snapshot 20 damaged in IndexedDB.
   */
  async function historyWithDamagedSnapshot(page: EnginePage, config: EngineStoreConfig) {
    await connect(page, config);
    await commitNumbered(page, 1, 10);
    expect((await checkpoint(page)).seq).toBe(10);
    await commitNumbered(page, 11, 20);
    expect((await checkpoint(page)).seq).toBe(20);
    await commitNumbered(page, 21, 25);
    const before = await tm(page, 'state');
    expect(before.state).toEqual(stateAfter(25));
    expect((await tm(page, 'rawJournal', config.name))[0]?.seq, 'journal trimmed behind snapshot 10').toBe(11);
    await tm(page, 'terminate');
    expect(await tm(page, 'damageSnapshot', config.name, 20)).toBeGreaterThan(0);
    return before;
  }

  it('falls back to the older snapshot when the newest one is damaged, says so in the load report, and rebuilds the right state', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('damaged', { snapshots: 2 });
    const before = await historyWithDamagedSnapshot(page, config);

    const after = await connect(page, config);
    expect(after.state).toEqual(stateAfter(25));
    expect(after.hash).toBe(before.hash);
    const { load, hash, seq } = await stats(page);
    expect(seq).toBe(25);
    expect(hash).toBe(before.hash);
    expect(load).toMatchObject({ snapshotSeq: 10, commitsReplayed: 15, fellBack: true });
    expect(load.damaged).toEqual([{ seq: 20, reason: expect.any(String) }]);
    expect(load.damaged[0]!.reason).not.toBe('');
    expect(after.loadReport).toEqual(load);

    // The store keeps working after the fallback.
    expect(ok(await tm(page, 'commit', numberedCommit(26)), 'commit 26').seq).toBe(26);
    expect((await tm(page, 'state')).state).toEqual(stateAfter(26));

    expect(errors).toEqual([]);
  });

  // KNOWN BUG (fails today): the `rewind` snapshot written after a fallback
  // counts the damaged snapshot as one of the two it keeps, deletes the good
  // one (10) and trims the journal through 20; snapshot 20 is then retained
  // but useless, and one more damaged snapshot leaves DATA_DAMAGED although
  // a good snapshot and its journal were there before the fallback load.
  it('still recovers after a fallback when the next newest snapshot is damaged too: a damaged snapshot never displaces a good one', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('damaged-twice', { snapshots: 2 });
    await historyWithDamagedSnapshot(page, config);
    expect((await connect(page, config)).loadReport).toMatchObject({ snapshotSeq: 10, fellBack: true });
    const kept = (await stats(page)).snapshots;
    await tm(page, 'terminate');
    const newest = kept[0]?.seq ?? expect.unreachable('no snapshot after the fallback load');
    await tm(page, 'damageSnapshot', config.name, newest);

    const outcome = await tm(page, 'connect', config);
    const again = ok(outcome, `loading after snapshot ${newest} was damaged too (kept after the fallback: seqs ${kept.map((s) => s.seq).join(', ')})`);
    expect(again.state).toEqual(stateAfter(25));
    expect(again.loadReport.fellBack).toBe(true);

    expect(errors).toEqual([]);
  });

  it('rejects a commit that is not plain data with NOT_PLAIN_DATA on the page, and the next commit goes through', async () => {
    const { page, errors } = await openEnginePage(engine);
    await connect(page, uniqueStore('plain-data'));
    await commitNumbered(page, 1, 2);

    // A Date: structured clone could post it, but JSON would not replay it.
    const withDate = await page.evaluate(async () => {
      const { tm } = window as unknown as EngineWindow;
      return tm.commit([{ type: 'noted', id: 'when', text: new Date() as unknown as string }]);
    });
    const dateError = failed(withDate, 'a commit holding a Date');
    expect(dateError).toMatchObject({ isTidemarkError: true, name: 'TidemarkError', code: 'NOT_PLAIN_DATA' });
    expect(dateError.details).toMatchObject({ eventIndex: 0, path: '.text', found: 'Date' });

    // A function cannot even be posted to the worker: the page must refuse it first.
    const withFunction = await page.evaluate(async () => {
      const { tm } = window as unknown as EngineWindow;
      return tm.commit([
        { type: 'bumped', counter: 'a', by: 1 },
        { type: 'noted', id: 'fn', text: (() => 'x') as unknown as string },
      ]);
    });
    const functionError = failed(withFunction, 'a commit holding a function');
    expect(functionError).toMatchObject({ isTidemarkError: true, code: 'NOT_PLAIN_DATA' });
    expect(functionError.details).toMatchObject({ eventIndex: 1, path: '.text', found: 'function' });

    // Nothing of either reached the state or the journal, and the store keeps working.
    const now = await tm(page, 'state');
    expect(now.state).toEqual(stateAfter(2));
    expect(now.pendingCommits).toBe(0);
    expect((await stats(page)).seq).toBe(2);
    expect(ok(await tm(page, 'commit', numberedCommit(3)), 'commit 3').seq).toBe(3);
    expect((await tm(page, 'state')).state).toEqual(stateAfter(3));
    expect((await stats(page)).hash).toBe(hashState(stateAfter(3)));

    expect(errors).toEqual([]);
  });

  it('gives connectStore the worker’s VERSION_AHEAD, with its code, when an older build opens newer data, and changes nothing', async () => {
    const { page, errors } = await openEnginePage(engine);
    const config = uniqueStore('version');
    await connect(page, config);
    await commitNumbered(page, 1, 5);
    await checkpoint(page);
    await commitNumbered(page, 6, 7);
    await tm(page, 'terminate');

    const older = failed(await tm(page, 'connect', { ...config, version: OLDER_VERSION }), 'connectStore with the older build');
    expect(older).toMatchObject({ isTidemarkError: true, name: 'TidemarkError', code: 'VERSION_AHEAD' });
    expect(older.details).toEqual({ dataVersion: CURRENT_VERSION, codeVersion: OLDER_VERSION });
    expect(older.message).toContain(config.name);

    // The current build still opens it, untouched.
    const again = await connect(page, config);
    expect(again.state).toEqual(stateAfter(7));
    expect(again.loadReport).toMatchObject({ snapshotSeq: 5, commitsReplayed: 2, fellBack: false });
    expect((await tm(page, 'rawSnapshots', config.name)).map((s) => s.version)).toEqual([CURRENT_VERSION]);

    // The older build's worker also reports its load error as uncaught: the known bug pinned down by the next test.
    expect(errors.filter((line) => !line.includes(versionAheadText))).toEqual([]);
  });

  // KNOWN BUG (fails today): serveStore returns `ready: opening.then(() => {})`
  // (worker/serve-store.ts), a promise that rejects with the load error and
  // that the two-line worker entry never handles, so every failed load also
  // raises "Uncaught (in promise) TidemarkError" inside the worker.
  // Chromium only: its driver reports the worker's uncaught errors; classic WebDriver (WebKit) has no console
  // at all, so there the test could not fail.
  if (engine.name === 'chromium') {
    it('reports a failed load to the page only, with no uncaught error in the worker', async () => {
      const { page, errors } = await openEnginePage(engine);
      const config = uniqueStore('load-error');
      await connect(page, config);
      await commitNumbered(page, 1, 1);
      await tm(page, 'terminate');
      const older = failed(await tm(page, 'connect', { ...config, version: OLDER_VERSION }), 'connectStore with the older build');
      expect(older.code).toBe('VERSION_AHEAD');
      // The failed worker stays up; whatever it reports has arrived by then.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(errors).toEqual([]);
    });
  }
});
