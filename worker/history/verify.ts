import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { isTidemarkError } from '../../src/errors.js';
import { hashState } from '../../src/hash.js';
import type { CommitRecord, ReplayDivergence, VerifyResult } from '../../src/types.js';
import type { Database } from '../database.js';
import { TransactionGate } from '../transaction-gate.js';
import type { SnapshotRecord } from '../records.js';
import { readJournal, replay, snapshotState } from './replay.js';
import { readRetained } from './window.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Commits a divergence report keeps (the newest ones before it). */
const REPORTED_COMMITS = 100;

/**
 * SWOOSH's post-hash check, adapted: replays from the oldest usable snapshot
 * (or the initial state) through the whole journal and checks that the
 * state at every later snapshot's seq hashes to the hash that snapshot was
 * written with, then that the head equals the live state. Snapshots written
 * by an older version are skipped (their hash is of the old shape). Reads the
 * journal in batches and replays in slices (see replay.ts), so commits go on
 * meanwhile; a commit made during it simply ends the live check (seqs differ).
 */
export async function verifyReplay(
  db: Database,
  def: AnyDefinition,
  live: () => { seq: number; state: unknown },
  now: () => number,
  /** The engine's: each transaction goes through it on its own, so commits run between them. */
  gate = new TransactionGate(false),
): Promise<VerifyResult> {
  try {
    return await verifyOnce(db, def, live, now, gate);
  } catch (error) {
    if (!isTidemarkError(error, 'JOURNAL_GAP')) throw error;
    return verifyOnce(db, def, live, now, gate); // a checkpoint trimmed the journal under us: start from the new window
  }
}

async function verifyOnce(
  db: Database,
  def: AnyDefinition,
  live: () => { seq: number; state: unknown },
  now: () => number,
  gate: TransactionGate,
): Promise<VerifyResult> {
  const started = now();
  const { fromSeq, checkpoints, base } = await gate.run(() => readCheckpoints(db, def));

  const start = { seq: fromSeq, state: base ? await snapshotState(def, base) : def.initial() };
  const checked: number[] = [];
  const since: CommitRecord[] = [];
  let divergence: ReplayDivergence | null = null;
  const replayed = await replay(def, start, readJournal(db, fromSeq, Number.MAX_SAFE_INTEGER, gate), Number.MAX_SAFE_INTEGER, (commit, state) => {
    since.push(commit);
    if (since.length > REPORTED_COMMITS) since.shift();
    const expected = checkpoints.get(commit.seq);
    if (expected === undefined) return true;
    const actual = hashState(state);
    if (actual !== expected) {
      divergence = diverged(def, commit.seq, expected, actual, 'snapshot', since, fromSeq);
      return false;
    }
    checked.push(commit.seq);
    since.length = 0;
    return true;
  });

  let liveChecked = false;
  const head = live();
  if (!divergence && head.seq === replayed.seq) {
    liveChecked = true;
    const [expected, actual] = [hashState(head.state), hashState(replayed.state)];
    if (actual !== expected) divergence = diverged(def, head.seq, expected, actual, 'live', since, fromSeq);
  }
  return {
    ok: divergence === null,
    fromSeq,
    throughSeq: replayed.seq,
    commitsReplayed: replayed.commits,
    snapshotsChecked: checked,
    liveChecked,
    divergence,
    ms: now() - started,
  };
}

/**
 * Where the retained window starts, the snapshot there (if any) and the
 * stored hashes of the snapshots after it at the store's version, in one
 * transaction that is over when this resolves.
 */
async function readCheckpoints(db: Database, def: AnyDefinition): Promise<{ fromSeq: number; checkpoints: Map<number, string>; base: SnapshotRecord | undefined }> {
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const retained = await readRetained(tx);
  const fromSeq = retained.window.firstSeq;
  const checkpoints = new Map<number, string>();
  let base: SnapshotRecord | undefined;
  let cursor = await tx.objectStore('snapshots').openCursor(IDBKeyRange.lowerBound(fromSeq));
  while (cursor) {
    if (cursor.value.seq === fromSeq) base = cursor.value;
    else if (cursor.value.version === def.version) checkpoints.set(cursor.value.seq, cursor.value.hash);
    cursor = await cursor.continue();
  }
  await tx.done;
  return { fromSeq, checkpoints, base };
}

function diverged(
  def: AnyDefinition,
  seq: number,
  expected: string,
  actual: string,
  against: 'snapshot' | 'live',
  commits: CommitRecord[],
  fromSeq: number,
): ReplayDivergence {
  const first = commits[0]?.seq ?? seq;
  const types = [...new Set(commits.flatMap((c) => c.events.map((e) => e.type)))].join(', ');
  return {
    seq,
    expected,
    actual,
    against,
    commits: [...commits],
    message:
      `Replaying store "${def.name}" from seq ${fromSeq} gives a state at seq ${seq} that hashes to ${actual}, but the ` +
      `${against === 'snapshot' ? 'snapshot written live at that seq' : 'live state'} hashes to ${expected}. The same events ` +
      `gave two different states: a reducer is not deterministic (it reads Math.random(), Date.now() or anything outside ` +
      `its arguments) or it mutates the state it is given instead of returning a new one (turn on devChecks in defineStore ` +
      `to catch a mutation where it happens). Look at the reducers of the commits ${first}–${seq} (events: ${types}).`,
  };
}
