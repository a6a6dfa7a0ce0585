// Vitest global setup of the `remote` and `browser` projects: makes a real S3
// server (Ceph RGW) available to the tests, through `inject('s3Server')`.
//
// If TIDEMARK_S3_ENDPOINT is set, that server is used and nothing is started.
// Otherwise RGW starts on a free port (or TIDEMARK_S3_PORT), so a run never
// clashes with a `node scripts/rgw.mjs start` or another checkout's run.
// Both projects list this file; Vitest runs every project's setup in its own
// main process before any test, so the first one publishes the server in
// process.env, the second finds it there and reuses it, and only the one that
// started it stops it at teardown.
import type { TestProject } from 'vitest/node';
import type { S3Server } from './s3-server';
import { startRgw, TEST_CREDENTIALS, type Rgw } from '../../scripts/rgw.mjs';

const ENV = {
  endpoint: 'TIDEMARK_S3_ENDPOINT',
  accessKeyId: 'TIDEMARK_S3_ACCESS_KEY_ID',
  secretAccessKey: 'TIDEMARK_S3_SECRET_ACCESS_KEY',
  region: 'TIDEMARK_S3_REGION',
} as const;

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  let teardown: (() => Promise<void>) | undefined;
  if (!process.env[ENV.endpoint]) {
    let rgw: Rgw;
    try {
      rgw = await startRgw({ port: Number(process.env.TIDEMARK_S3_PORT) || 0 });
    } catch (error) {
      // Every test that asks for the server fails with this; the other tests of the run still run.
      project.provide('s3ServerError', error instanceof Error ? error.message : String(error));
      return undefined;
    }
    console.error(`Ceph RGW for the remote tests at ${rgw.endpoint} (up in ${rgw.startedMs} ms; logs in ${rgw.dir}/log)`);
    for (const [field, name] of Object.entries(ENV)) process.env[name] = rgw[field as keyof typeof ENV];
    teardown = async () => {
      for (const name of Object.values(ENV)) delete process.env[name];
      await rgw.stop();
    };
  }
  const env = process.env;
  const server: S3Server = {
    endpoint: env[ENV.endpoint]!.replace(/\/+$/, ''),
    // A server given by endpoint alone is assumed to have the fixed test keys (`node scripts/rgw.mjs start`).
    accessKeyId: env[ENV.accessKeyId] || TEST_CREDENTIALS.accessKeyId,
    secretAccessKey: env[ENV.secretAccessKey] || TEST_CREDENTIALS.secretAccessKey,
    region: env[ENV.region] || TEST_CREDENTIALS.region,
  };
  project.provide('s3Server', server);
  return teardown;
}
