import { AwsClient } from 'aws4fetch';
import { TidemarkError } from '../../src/errors.js';
import { RemoteFault, normalisePrefix, type ListOptions, type Remote, type RemotePolicy } from './remote.js';

export type { Remote, RemotePolicy } from './remote.js';

/** Temporary credentials from the app's own auth (STS, R2 temporary credentials…). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** The session token of temporary credentials. */
  sessionToken?: string;
  /** @default the remote's `region`, else 'us-east-1' */
  region?: string;
}

/** A request for the app to sign (e.g. by asking its backend for a presigned URL). */
export interface S3RequestToSign {
  method: 'GET' | 'PUT' | 'DELETE';
  /** The unsigned URL, path-style or virtual-hosted as configured. */
  url: string;
  /** Headers the request will carry (e.g. `if-none-match`); a presigned URL must allow them. */
  headers: Record<string, string>;
}

/** Options of `s3Remote`. Give `credentials` or `sign`. */
export interface S3RemoteOptions extends RemotePolicy {
  /** The S3 endpoint, e.g. `https://s3.us-east-1.amazonaws.com`, `https://<account>.r2.cloudflarestorage.com`, `http://127.0.0.1:7480`. */
  endpoint: string;
  bucket: string;
  /** Key prefix of this store's objects, e.g. `users/42/todos`. @default '' */
  prefix?: string;
  /** @default 'us-east-1' ('auto' for R2) */
  region?: string;
  /**
   * Credentials, or a function that fetches fresh ones (called again when
   * the server answers 403, e.g. because they expired). Use temporary
   * credentials scoped to this prefix; never ship long-lived keys to a browser.
   */
  credentials?: S3Credentials | (() => S3Credentials | Promise<S3Credentials>);
  /** Signs each request instead of `credentials`: returns the URL (and headers) to fetch, e.g. a presigned URL from your backend. */
  sign?: (request: S3RequestToSign) => Promise<{ url: string; headers?: Record<string, string> }>;
  /**
   * Put the bucket in the host name (`https://bucket.endpoint/key`) instead of the path.
   * @default false (path-style, which RGW, MinIO and R2 accept)
   */
  virtualHosted?: boolean;
  /** Abort a request that takes longer than this. @default 30000 */
  timeoutMs?: number;
  /**
   * `'backup'`: this device uploads its journal (one writer per prefix).
   * `'sync'`: every device of the store appends to one shared log in the
   * bucket and pulls the others' commits; the server must honour
   * conditional writes (checked first: `REMOTE_UNSUPPORTED` if not).
   * @default 'backup'
   */
  mode?: 'backup' | 'sync';
}

/**
 * A remote in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, Ceph
 * RGW), signed with SigV4 (aws4fetch) in the worker. Pass it as
 * `serveStore(def, { remote: s3Remote({...}) })`.
 *
 * The bucket must allow CORS from the app's origin for GET, PUT, DELETE
 * (see the README).
 *
 * @throws TidemarkError `INVALID_DEFINITION` when an option is missing or malformed.
 */
export function s3Remote(options: S3RemoteOptions): Remote {
  const { endpoint, bucket, prefix, region = 'us-east-1', credentials, sign, virtualHosted = false, timeoutMs = 30_000, mode, ...policy } =
    options;
  const bad = (what: string) => new TidemarkError('INVALID_DEFINITION', `s3Remote: ${what}.`);
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw bad(`endpoint must be an absolute URL like https://s3.us-east-1.amazonaws.com (got "${endpoint}")`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket ?? '')) throw bad(`"${bucket}" is not a valid bucket name (3–63 lower-case letters, digits, dots, hyphens)`);
  if (!credentials === !sign) throw bad('give exactly one of `credentials` (temporary keys) or `sign` (your own signing)');

  const keyPrefix = normalisePrefix(prefix);
  const root = virtualHosted
    ? `${base.protocol}//${bucket}.${base.host}${base.pathname.replace(/\/$/, '')}/`
    : `${base.origin}${base.pathname.replace(/\/$/, '')}/${bucket}/`;
  const target = `s3://${bucket}/${keyPrefix}`;
  let client: Promise<AwsClient> | undefined;

  const getClient = (fresh: boolean): Promise<AwsClient> => {
    if (!client || fresh) {
      client = Promise.resolve(typeof credentials === 'function' ? credentials() : credentials!).then(
        (c) => new AwsClient({ ...c, region: c.region ?? region, service: 's3', retries: 0 }),
      );
      client.catch(() => (client = undefined)); // try again next time
    }
    return client;
  };

  /** One request; retried once with fresh credentials after a 403 when they come from a function. */
  const send = async (method: S3RequestToSign['method'], url: string, what: string, init: { headers?: Record<string, string>; body?: Uint8Array; signal?: AbortSignal } = {}): Promise<Response> => {
    const headers = init.headers ?? {};
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let response: Response;
      try {
        // The body as a Blob, not as bytes: Chromium's fetch in a worker copies and streams an ArrayBuffer
        // body on the worker's own thread (a 1.2 MB PUT held it ~28 ms before fetch() even returned, and
        // took 2–4× as long to answer); a Blob goes to the network process whole.
        const request: RequestInit = { method, headers, signal, ...(init.body && { body: new Blob([init.body as Uint8Array<ArrayBuffer>]) }) };
        // A GET with no headers, signed in its query, is a simple CORS request: no preflight round trip
        // before each LIST and each object (each URL needs its own preflight). Writes carry headers anyway.
        const inQuery = method === 'GET' && Object.keys(headers).length === 0;
        if (sign) {
          const signed = await sign({ method, url, headers });
          response = await fetch(signed.url, { ...request, headers: { ...headers, ...signed.headers } });
        } else {
          response = await fetch(await (await getClient(attempt > 0)).sign(inQuery ? expiring(url) : url, { ...request, aws: { signQuery: inQuery } }));
        }
      } catch (error) {
        if (init.signal?.aborted) throw error;
        const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message || 'network error';
        throw new RemoteFault('transient', `${what}: ${why}`);
      }
      if (response.status === 403 && attempt === 0 && typeof credentials === 'function') {
        await response.body?.cancel();
        continue;
      }
      return response;
    }
  };

  const objectUrl = (key: string) => root + encodeKey(keyPrefix + key);
  const where = (op: string, key: string) => `${op} ${target}${key}`;

  return {
    target,
    policy,
    ...(mode && { mode }),
    async create(key, bytes, signal) {
      const what = where('PUT', key);
      const response = await send('PUT', objectUrl(key), what, {
        // Unsigned payload: every object carries its own hash, checked on every read, so hashing the body
        // again for the signature would only cost CPU (2 MB of SHA-256 per snapshot) in the worker.
        headers: { 'if-none-match': '*', 'content-type': 'application/octet-stream', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        body: bytes,
        ...(signal && { signal }),
      });
      if (response.ok) {
        await response.body?.cancel();
        return true;
      }
      // AWS may answer a race with 409 ConditionalRequestConflict instead of 412.
      if (response.status === 412 || response.status === 409) {
        await response.body?.cancel();
        return false;
      }
      throw await faultOf(response, what);
    },
    async get(key, signal) {
      const what = where('GET', key);
      const response = await send('GET', objectUrl(key), what, signal && { signal });
      if (response.status === 404) {
        const code = await errorCode(response);
        if (code === 'NoSuchBucket') throw new RemoteFault('failed', `${what}: 404 NoSuchBucket`, 404);
        return undefined;
      }
      if (!response.ok) throw await faultOf(response, what);
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (error) {
        throw new RemoteFault('transient', `${what}: the download broke off (${(error as Error).message})`);
      }
    },
    async list(listPrefix, listOptions: ListOptions = {}, signal) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ 'list-type': '2', prefix: keyPrefix + listPrefix });
        if (listOptions.startAfter !== undefined) query.set('start-after', keyPrefix + listOptions.startAfter);
        if (listOptions.limit !== undefined) query.set('max-keys', String(Math.min(1000, listOptions.limit - keys.length)));
        if (token) query.set('continuation-token', token);
        const what = where('LIST', listPrefix);
        const response = await send('GET', `${root}?${query}`, what, signal && { signal });
        if (!response.ok) throw await faultOf(response, what);
        const xml = await response.text();
        for (const match of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(match[1]!).slice(keyPrefix.length));
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? unescapeXml(/<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '') : undefined;
      } while (token && (listOptions.limit === undefined || keys.length < listOptions.limit));
      return keys;
    },
    async delete(key, signal) {
      const what = where('DELETE', key);
      const response = await send('DELETE', objectUrl(key), what, signal && { signal });
      if (!response.ok && response.status !== 404) throw await faultOf(response, what);
      await response.body?.cancel();
    },
  };
}

/**
 * A URL to sign in its query, valid for 15 minutes (aws4fetch's default is a
 * day): about as long as S3 accepts a header-signed request, so it tolerates
 * the same clock skew and outlives no more than one would.
 */
function expiring(url: string): string {
  const expiring = new URL(url);
  expiring.searchParams.set('X-Amz-Expires', '900');
  return expiring.toString();
}

/** Path segments are kept; everything else is percent-encoded as S3 expects. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
}

async function errorCode(response: Response): Promise<string | undefined> {
  const text = await response.text().catch(() => '');
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

/** The S3 error as a RemoteFault; the message has the status and S3's code, never the URL. */
async function faultOf(response: Response, what: string): Promise<RemoteFault> {
  const code = await errorCode(response);
  const status = response.status;
  const detail = `${what}: ${status}${code ? ` ${code}` : ''}`;
  if (status >= 500 || status === 429 || code === 'SlowDown' || code === 'RequestTimeout') {
    return new RemoteFault('transient', detail, status);
  }
  if (status === 401 || status === 403) return new RemoteFault('denied', detail, status);
  return new RemoteFault('failed', detail, status);
}
