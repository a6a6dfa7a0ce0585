import { describe, expect, test } from 'vitest';
import { DEFAULT_CHECKPOINT } from 'tidemark';
import { isCheckpointDue, msUntilCheckpoint } from 'tidemark/worker';

const policy = { everyEvents: 100, everyMs: 60_000, cooldownMs: 5_000 };
const at = (now: number, eventsSinceSnapshot: number, lastSnapshotAt = 0) => ({ now, eventsSinceSnapshot, lastSnapshotAt });

describe('checkpoint policy', () => {
  test('is never due without new events, however long it has been', () => {
    expect(isCheckpointDue(at(10 * 60_000, 0), policy)).toBe(false);
    expect(msUntilCheckpoint(at(10 * 60_000, 0), policy)).toBe(Infinity);
  });

  test('is due once everyEvents events were committed, after the cooldown', () => {
    expect(isCheckpointDue(at(6_000, 99), policy)).toBe(false);
    expect(isCheckpointDue(at(6_000, 100), policy)).toBe(true);
  });

  test('waits out the cooldown even when enough events arrived', () => {
    expect(isCheckpointDue(at(4_999, 500), policy)).toBe(false);
    expect(msUntilCheckpoint(at(4_000, 500), policy)).toBe(1_000);
    expect(isCheckpointDue(at(5_000, 500), policy)).toBe(true);
  });

  test('is due after everyMs with at least one new event', () => {
    expect(isCheckpointDue(at(59_999, 1), policy)).toBe(false);
    expect(msUntilCheckpoint(at(50_000, 1), policy)).toBe(10_000);
    expect(isCheckpointDue(at(60_000, 1), policy)).toBe(true);
  });

  test('measures time from the last snapshot, not from zero', () => {
    expect(isCheckpointDue(at(100_000, 1, 70_000), policy)).toBe(false);
    expect(isCheckpointDue(at(130_000, 1, 70_000), policy)).toBe(true);
  });

  test('has the documented defaults', () => {
    expect(DEFAULT_CHECKPOINT).toEqual({ everyEvents: 1000, everyMs: 300_000, cooldownMs: 10_000 });
  });
});
