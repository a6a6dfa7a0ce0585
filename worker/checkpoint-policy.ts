import type { CheckpointOptions } from '../src/define-store.js';

/** What the policy looks at. Times are epoch ms. */
export interface CheckpointFacts {
  /** Events committed since the newest snapshot. */
  eventsSinceSnapshot: number;
  /**
   * When the newest snapshot was written or, if the store has none, when the
   * store's first commit was made: the cooldown counts from here.
   */
  lastSnapshotAt: number;
  now: number;
}

/**
 * Decides whether a periodic snapshot is due: after `everyEvents` events, or
 * after `everyMs` with at least one new event, and never within `cooldownMs`
 * of the previous one. Returns 0 when due now, else how many ms until it could
 * be due (Infinity when nothing would make it due but more events).
 */
export function msUntilCheckpoint(facts: CheckpointFacts, policy: Required<CheckpointOptions>): number {
  if (facts.eventsSinceSnapshot === 0) return Infinity;
  const elapsed = facts.now - facts.lastSnapshotAt;
  const cooldownLeft = Math.max(0, policy.cooldownMs - elapsed);
  if (facts.eventsSinceSnapshot >= policy.everyEvents) return cooldownLeft;
  return Math.max(cooldownLeft, policy.everyMs - elapsed);
}

/** True when a periodic snapshot is due now. */
export function isCheckpointDue(facts: CheckpointFacts, policy: Required<CheckpointOptions>): boolean {
  return msUntilCheckpoint(facts, policy) === 0;
}
