// `npm run demo`: the demo on http://localhost:5173/ and, when Ceph RGW is
// installed (`node scripts/rgw.mjs ensure`, as root), a local S3 bucket for
// its backup panel. Ctrl-C stops both.
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { createServer } from 'vite';
import { findCeph, startRgw } from './rgw.mjs';

const BUCKET = 'tidemark-demo';

/** Starts RGW, makes the demo bucket with CORS for the dev server, and returns what the demo worker needs. */
async function startBucket() {
  if (!findCeph()) {
    console.log('Backup panel off: Ceph RGW is not installed. Install it (as root) with: node scripts/rgw.mjs ensure');
    return undefined;
  }
  try {
    const rgw = await startRgw({ port: 0 });
    const client = new AwsClient({ ...rgw, service: 's3', retries: 0 });
    const bucketUrl = `${rgw.endpoint}/${BUCKET}`;
    await client.fetch(bucketUrl, { method: 'PUT' });
    const cors =
      '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>' +
      '<AllowedMethod>DELETE</AllowedMethod><AllowedHeader>*</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';
    const md5 = createHash('md5').update(cors).digest('base64');
    const answer = await client.fetch(`${bucketUrl}?cors`, { method: 'PUT', body: cors, headers: { 'content-type': 'application/xml', 'content-md5': md5 } });
    if (!answer.ok) throw new Error(`setting CORS on the demo bucket failed: ${answer.status}`);
    console.log(`Backup panel on: Ceph RGW at ${rgw.endpoint}, bucket ${BUCKET}`);
    return { rgw, config: { endpoint: rgw.endpoint, bucket: BUCKET, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey, region: rgw.region } };
  } catch (error) {
    console.log(`Backup panel off: the local S3 server did not start (${error.message}).`);
    return undefined;
  }
}

const bucket = await startBucket();
// The demo worker reads this at build time. These are a throwaway local server's fixed
// test keys; a real app gives its worker temporary credentials (see the README).
if (bucket) process.env.VITE_TIDEMARK_DEMO_S3 = JSON.stringify(bucket.config);

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
