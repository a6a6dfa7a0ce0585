import { describe, expect, test } from 'vitest';
import { hashState, TidemarkError } from 'tidemark';
import { faultyRemote, memoryRemote } from 'tidemark/worker';
import { probeConditionalWrites } from '../../worker/remote/capability-probe.js';
import type { Remote } from '../../worker/remote/remote.js';
import { checkInvariants, commit, newDevice, readLog, run, sync } from './sync-devices.js';

describe('sync: the bucket sequences devices (in-memory remote, many seeds)', () => {
  test('invariants a–e: 4 devices × 60 commits, offline spells, drops, lost answers and 503s, over 40 seeds', async () => {
    let conflicts = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { all, log } = await run(memoryRemote(), seed, 4, 60, 0.2);
      checkInvariants(all, log, `seed ${seed}`);
      conflicts += all.reduce((sum, d) => sum + d.conflicts, 0);
    }
    expect(conflicts).toBeGreaterThan(10); // devices did race for positions
  }, 120_000);

  test('rejections happen, and are reported: a toggle of a todo another device removed first', async () => {
    const objects = new Map<string, Uint8Array>();
    const bucket = memoryRemote({ objects });
    const [a, b] = [newDevice('a'), newDevice('b')];
    commit(a, [{ type: 'added', id: 'x', text: 'milk' }], 1);
    expect(await sync(a, bucket)).toBe(true);
    expect(await sync(b, bucket)).toBe(true);
    commit(a, [{ type: 'removed', id: 'x' }], 2);
    commit(b, [{ type: 'toggled', id: 'x' }], 2);
    expect(await sync(a, bucket)).toBe(true);
    expect(await sync(b, bucket)).toBe(true);
    expect([...b.rejected]).toEqual(['b:1']);
    expect((await readLog(bucket)).map((c) => c.origin)).toEqual(['a:1', 'a:2']);
    expect(hashState(a.log.state)).toBe(hashState(b.log.state));
  });

  test('a push whose answer was lost is recognised in the log, never applied twice', async () => {
    const objects = new Map<string, Uint8Array>();
    let lose = true;
    const flaky = faultyRemote(memoryRemote({ objects }), (call) => (call.op === 'create' && lose ? ((lose = false), 'lose-answer') : undefined));
    const device = newDevice('a');
    commit(device, [{ type: 'incremented', by: 1 }], 1);
    expect(await sync(device, flaky)).toBe(false); // stored, but the device never heard
    commit(device, [{ type: 'incremented', by: 2 }], 2);
    expect(await sync(device, flaky)).toBe(true);
    expect((await readLog(memoryRemote({ objects }))).map((c) => c.origin)).toEqual(['a:1', 'a:2']);
    expect((device.log.state as { count: number }).count).toBe(3);
  });

  test('the capability probe refuses a server that accepts a second If-None-Match write of one key', async () => {
    await probeConditionalWrites(memoryRemote()); // honours it: no error
    const objects = new Map<string, Uint8Array>();
    const careless = memoryRemote({ objects });
    const overwriting: Remote = { ...careless, create: async (key, bytes) => (objects.set(key, bytes), true) };
    const error = await probeConditionalWrites(overwriting).then(() => undefined, (e: unknown) => e);
    expect((error as TidemarkError).code).toBe('REMOTE_UNSUPPORTED');
    expect([...objects.keys()]).toEqual([]); // the probe key is cleaned up
  });
});
