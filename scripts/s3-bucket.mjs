// Makes a bucket on a local S3 server that pages of any origin may use (CORS),
// for the demo and the benchmarks. Signed with the server's keys (aws4fetch).
import { createHash } from 'node:crypto';
import { AwsClient } from 'aws4fetch';

const CORS =
  '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>' +
  ['GET', 'PUT', 'HEAD', 'DELETE'].map((method) => `<AllowedMethod>${method}</AllowedMethod>`).join('') +
  '<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';

/**
 * Creates `bucket` (if missing) with a permissive CORS rule.
 * @param {{ endpoint: string, accessKeyId: string, secretAccessKey: string, region: string }} server
 * @param {string} bucket
 */
export async function makeCorsBucket(server, bucket) {
  const client = new AwsClient({ ...server, service: 's3', retries: 0 });
  const url = `${server.endpoint}/${bucket}`;
  const made = await client.fetch(url, { method: 'PUT' });
  if (!made.ok && made.status !== 409) throw new Error(`creating bucket ${bucket} failed: ${made.status}`);
  const headers = { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(CORS).digest('base64') };
  const cors = await client.fetch(`${url}?cors`, { method: 'PUT', body: CORS, headers });
  if (!cors.ok) throw new Error(`setting CORS on bucket ${bucket} failed: ${cors.status}`);
}
