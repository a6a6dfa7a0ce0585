// `npm run demo`: the demo on http://localhost:5173/ and, when Ceph RGW is
// installed (`node scripts/rgw.mjs ensure`, as root), a local S3 bucket for
// its backup panel. `npm run demo -- --sync` syncs instead: open the page in
// two browser profiles and watch edits travel. Ctrl-C stops both.
import { createServer } from 'vite';
import { findCeph, startRgw } from './rgw.mjs';
import { makeCorsBucket } from './s3-bucket.mjs';

const BUCKET = 'tidemark-demo';

/** Starts RGW, makes the demo bucket with CORS for the dev server, and returns what the demo worker needs. */
async function startBucket() {
  if (!findCeph()) {
    console.log('Backup panel off: Ceph RGW is not installed. Install it (as root) with: node scripts/rgw.mjs ensure');
    return undefined;
  }
  try {
    const rgw = await startRgw({ port: 0 });
    await makeCorsBucket(rgw, BUCKET);
    console.log(`Backup panel on: Ceph RGW at ${rgw.endpoint}, bucket ${BUCKET}`);
    return { rgw, config: { endpoint: rgw.endpoint, bucket: BUCKET, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey, region: rgw.region } };
  } catch (error) {
    console.log(`Backup panel off: the local S3 server did not start (${error.message}).`);
    return undefined;
  }
}

const bucket = await startBucket();
const mode = process.argv.includes('--sync') ? 'sync' : 'backup';
// The demo worker reads this at build time. These are a throwaway local server's fixed
// test keys; a real app gives its worker temporary credentials (see the README).
if (bucket) process.env.VITE_TIDEMARK_DEMO_S3 = JSON.stringify({ ...bucket.config, mode });
if (bucket && mode === 'sync') console.log('Sync mode: open the page in two browser profiles (or a private window) and edit in both.');

const server = await createServer({ server: { port: 5173, host: 'localhost' } });
await server.listen();
server.printUrls();

const stop = async () => {
  await server.close();
  await bucket?.rgw.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// `npm run demo` stopped by a signal to npm alone (e.g. `timeout`): npm exits without
// passing it on, and this process is handed to another parent. Stop then too.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && void stop(), 500).unref();
