// "Add 10 000 events": fires that many commits without awaiting them, the way
// a busy app would, and measures how long until the last one is durable.
import type { Session } from './connection';

export interface StressResult {
  /** Commits that became durable. */
  durable: number;
  /** Commits the store rejected. */
  failed: number;
  /** From the first commit to the moment every one was durable. */
  ms: number;
  /** Seqs of the first and last durable commit. */
  firstSeq: number;
  lastSeq: number;
  /** The longest gap between two frames while it ran: how long the page stalled. */
  longestFrameMs: number;
}

/** Commits are fired in slices, one task each, so the page keeps painting in between. */
const SLICE = 1000;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The session ended before every commit was answered (the worker was crashed). */
export interface StressInterrupted {
  interrupted: true;
  /** Commits acknowledged as durable before the worker went away: all of them must survive. */
  acknowledged: number;
}

/**
 * Commits `total` `bumped` events, one per commit, without awaiting each.
 * Resolves once all are durable, or early if the session ends first: a
 * crashed worker never answers the rest.
 */
export async function addEvents(
  session: Session,
  total: number,
  onProgress: (fired: number) => void,
): Promise<StressResult | StressInterrupted> {
  const { store } = session;
  const frames = watchFrames();
  const started = performance.now();
  const commits: Array<Promise<{ seq: number }>> = [];
  let acknowledged = 0;
  const acknowledge = (result: { seq: number }) => {
    acknowledged++;
    return result;
  };
  for (let fired = 0; fired < total; ) {
    const end = Math.min(total, fired + SLICE);
    for (; fired < end; fired++) commits.push(store.commit({ type: 'bumped' }).then(acknowledge));
    onProgress(fired);
    await nextTask();
  }
  const settled = await Promise.race([Promise.allSettled(commits), session.ended.then(() => null)]);
  const ms = performance.now() - started;
  const longestFrameMs = frames.stop();
  if (!settled) return { interrupted: true, acknowledged };
  const seqs = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.seq] : []));
  return {
    durable: seqs.length,
    failed: settled.length - seqs.length,
    ms,
    firstSeq: Math.min(...seqs),
    lastSeq: Math.max(...seqs),
    longestFrameMs,
  };
}

function watchFrames(): { stop(): number } {
  let running = true;
  let last = performance.now();
  let longest = 0;
  const tick = (now: number): void => {
    longest = Math.max(longest, now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  return {
    stop() {
      running = false;
      return longest;
    },
  };
}
