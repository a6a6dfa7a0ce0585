// The real S3 server for the remote tests (Ceph RGW; see scripts/rgw.mjs).
//
//   const server = s3Server();                  // endpoint and keys, from the global setup
//   const bucket = await createBucket();        // a fresh bucket for this test
//   await bucket.client.fetch(bucket.url('log/1'), { method: 'PUT', body: 'x', headers: { 'If-None-Match': '*' } });
//   await allowCors(bucket);                    // before a page in Chromium talks to it
//
// test/remote/global-setup.ts starts RGW (or takes TIDEMARK_S3_ENDPOINT and its
// keys, for a server already running) and provides the facts here. A test that
// cannot reach the server fails with how to start one: it is never skipped.
import { createHash, randomBytes } from 'node:crypto';
import { AwsClient } from 'aws4fetch';
import { inject } from 'vitest';
import { s3Remote, type S3RemoteOptions } from 'tidemark/s3';
import type { Remote } from '../../worker/remote/remote.js';

/** How to reach the S3 server and sign for it. */
export interface S3Server {
  /** e.g. `http://127.0.0.1:7480`, without a trailing slash; buckets are addressed path-style. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/remote/global-setup.ts once the server answers. */
    s3Server: S3Server | undefined;
    /** Set by test/remote/global-setup.ts instead when the server did not start. */
    s3ServerError: string | undefined;
  }
}

/** A bucket made for one test. */
export interface S3Bucket {
  readonly server: S3Server;
  readonly name: string;
  /** Signs with the server's keys, SigV4 for service `s3`; never retries, so tests see every status. */
  readonly client: AwsClient;
  /** The URL of the bucket, or of `key` in it (path-style; the key's segments are URI-encoded). */
  url(key?: string): string;
}

export const START_HELP =
  'The remote tests need a real S3 server. `npm test` or `npx vitest run --project remote` starts Ceph RGW ' +
  '(install it first, as root: `node scripts/rgw.mjs ensure`); or start one with `node scripts/rgw.mjs start` ' +
  'and export the TIDEMARK_S3_ENDPOINT, TIDEMARK_S3_ACCESS_KEY_ID, TIDEMARK_S3_SECRET_ACCESS_KEY and TIDEMARK_S3_REGION it prints.';

/** The S3 server of this test run. Throws with how to start one if there is none. */
export function s3Server(): S3Server {
  const provided = inject('s3Server');
  if (provided) return provided;
  const failed = inject('s3ServerError');
  if (failed) throw new Error(`${failed}\n${START_HELP}`);
  const { TIDEMARK_S3_ENDPOINT: endpoint, TIDEMARK_S3_ACCESS_KEY_ID: accessKeyId, TIDEMARK_S3_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
  if (!endpoint || !accessKeyId || !secretAccessKey) throw new Error(`No S3 server is configured for this test. ${START_HELP}`);
  return { endpoint: endpoint.replace(/\/+$/, ''), accessKeyId, secretAccessKey, region: process.env.TIDEMARK_S3_REGION || 'us-east-1' };
}

/** An S3 client for `server` (by default the test run's), optionally with other keys. */
export function s3Client(server: S3Server = s3Server(), keys: Partial<Pick<S3Server, 'accessKeyId' | 'secretAccessKey'>> = {}): AwsClient {
  return new AwsClient({ ...server, ...keys, service: 's3', retries: 0 });
}

/**
 * `client.fetch`, but a failure to connect becomes an error that names the
 * endpoint and says how to start the server.
 */
export async function s3Fetch(client: AwsClient, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await client.fetch(url, init);
  } catch (error) {
    const why = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new Error(`Cannot reach the S3 server at ${new URL(url).origin} (${why}). ${START_HELP}`, { cause: error });
  }
}

/** Creates a fresh bucket with a unique name (lowercase, 3–63 characters, as S3 requires). */
export async function createBucket(server: S3Server = s3Server()): Promise<S3Bucket> {
  const name = `tidemark-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const client = s3Client(server);
  const bucket: S3Bucket = {
    server,
    name,
    client,
    url: (key) => `${server.endpoint}/${name}${key === undefined ? '' : `/${key.split('/').map(encodeURIComponent).join('/')}`}`,
  };
  const response = await s3Fetch(client, bucket.url(), { method: 'PUT' });
  if (!response.ok) throw new Error(`Creating bucket ${name} failed: ${response.status} ${await response.text()}`);
  return bucket;
}

/**
 * Lets a page of any origin use the bucket (PutBucketCors): GET, PUT, HEAD,
 * DELETE and POST with any header, and the ETag readable by the page.
 */
export async function allowCors(bucket: S3Bucket): Promise<void> {
  const body =
    '<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>' +
    ['GET', 'PUT', 'HEAD', 'DELETE', 'POST'].map((method) => `<AllowedMethod>${method}</AllowedMethod>`).join('') +
    '<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  // S3 requires a Content-MD5 on PutBucketCors.
  const headers = { 'Content-Type': 'application/xml', 'Content-MD5': createHash('md5').update(body).digest('base64') };
  const response = await s3Fetch(bucket.client, `${bucket.url()}?cors`, { method: 'PUT', body, headers });
  if (!response.ok) throw new Error(`Setting CORS on bucket ${bucket.name} failed: ${response.status} ${await response.text()}`);
}

/** tidemark's S3 remote on `bucket` under `prefix`, with the server's keys (and any other option). */
export function bucketRemote(bucket: S3Bucket, prefix: string, options: Partial<S3RemoteOptions> = {}): Remote {
  const { endpoint, accessKeyId, secretAccessKey, region } = bucket.server;
  return s3Remote({ endpoint, bucket: bucket.name, prefix, credentials: { accessKeyId, secretAccessKey, region }, ...options });
}
