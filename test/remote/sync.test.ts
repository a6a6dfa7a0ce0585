// Sync's sequencer against a real S3 server (Ceph RGW): devices race for
// log positions with If-None-Match, and the server's answers decide.
import { describe, expect, test } from 'vitest';
import { s3Remote } from 'tidemark/s3';
import { probeConditionalWrites } from '../../worker/remote/capability-probe.js';
import { checkInvariants, run } from '../unit/sync-devices.js';
import { createBucket } from './s3-server.js';

async function bucketRemote(prefix: string) {
  const bucket = await createBucket();
  const { endpoint, accessKeyId, secretAccessKey, region } = bucket.server;
  return s3Remote({ endpoint, bucket: bucket.name, prefix, credentials: { accessKeyId, secretAccessKey, region } });
}

describe('sync against Ceph RGW', () => {
  test('the capability probe accepts RGW: a second If-None-Match write of one key is refused', async () => {
    await expect(probeConditionalWrites(await bucketRemote('probe-test'))).resolves.toBeUndefined();
  });

  test('invariants a–e: 3 devices × 40 commits racing for log positions, with offline spells, drops, lost answers and 503s', async () => {
    for (let seed = 1; seed <= 2; seed++) {
      const { all, log } = await run(await bucketRemote(`shared/${seed}`), seed, 3, 40, 0.15);
      checkInvariants(all, log, `seed ${seed}`);
      expect(log.length).toBeGreaterThan(60);
      expect(all.reduce((sum, d) => sum + d.conflicts, 0), 'pushes that lost a race on RGW').toBeGreaterThan(0);
    }
  }, 120_000);
});
