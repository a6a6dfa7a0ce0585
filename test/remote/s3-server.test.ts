// Proves that the server the remote tests get is a real S3 with the behaviours
// the remote relies on (DESIGN.md, "Remote"): conditional creates that exactly
// one writer wins, ordered listings that page, signatures that are checked, and
// CORS for pages. Every request is signed with aws4fetch, as the worker will.
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { allowCors, createBucket, s3Client, s3Fetch, s3Server, type S3Bucket } from './s3-server';

/** The text of every <tag> element in an S3 XML answer, in order. */
function texts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((match) => match[1]!.replaceAll('&amp;', '&'));
}

async function put(bucket: S3Bucket, key: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return s3Fetch(bucket.client, bucket.url(key), { method: 'PUT', body, headers });
}

async function get(bucket: S3Bucket, key: string): Promise<{ status: number; body: string }> {
  const response = await s3Fetch(bucket.client, bucket.url(key));
  return { status: response.status, body: await response.text() };
}

/** One ListObjectsV2 page: the keys, and the token of the next page if there is one. */
async function listPage(bucket: S3Bucket, params: Record<string, string>): Promise<{ keys: string[]; next: string | undefined }> {
  const query = new URLSearchParams({ 'list-type': '2', ...params });
  const response = await s3Fetch(bucket.client, `${bucket.url()}?${query}`);
  const xml = await response.text();
  expect(response.status, xml).toBe(200);
  const truncated = texts(xml, 'IsTruncated')[0] === 'true';
  return { keys: texts(xml, 'Key'), next: truncated ? texts(xml, 'NextContinuationToken')[0] : undefined };
}

const seqKey = (prefix: string, seq: number) => `${prefix}/${String(seq).padStart(20, '0')}`;

// No beforeAll: without a server every test fails on its own, with how to start one, rather than being skipped.
describe('the S3 server of the remote tests', () => {

  test('a PUT with If-None-Match: * creates an object, and a second one of the same key fails with 412 or 409 and keeps the first body', async () => {
    const bucket = await createBucket();
    const first = await put(bucket, 'log/once', 'first', { 'If-None-Match': '*' });
    expect(first.status).toBe(200);
    const second = await put(bucket, 'log/once', 'second', { 'If-None-Match': '*' });
    expect([409, 412]).toContain(second.status);
    expect(await get(bucket, 'log/once')).toEqual({ status: 200, body: 'first' });
  });

  test('of several PUTs with If-None-Match: * racing for one key, exactly one wins and its body is kept', async () => {
    const bucket = await createBucket();
    const bodies = Array.from({ length: 6 }, (_, index) => `writer ${index}`);
    const answers = await Promise.all(bodies.map((body) => put(bucket, 'log/race', body, { 'If-None-Match': '*' })));
    const statuses = answers.map((answer) => answer.status);
    const winners = bodies.filter((_, index) => statuses[index] === 200);
    expect(winners, `statuses ${statuses.join(', ')}`).toHaveLength(1);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 409 || status === 412), statuses.join(', ')).toBe(true);
    expect(await get(bucket, 'log/race')).toEqual({ status: 200, body: winners[0] });
  });

  test('a PUT without If-None-Match overwrites, so the conditional one above is what refused', async () => {
    const bucket = await createBucket();
    await put(bucket, 'log/plain', 'one');
    expect((await put(bucket, 'log/plain', 'two')).status).toBe(200);
    expect(await get(bucket, 'log/plain')).toEqual({ status: 200, body: 'two' });
  });

  test('a GET of a missing key is 404 NoSuchKey', async () => {
    const bucket = await createBucket();
    const { status, body } = await get(bucket, 'log/never-written');
    expect(status).toBe(404);
    expect(texts(body, 'Code')).toEqual(['NoSuchKey']);
  });

  test('ListObjectsV2 with prefix and start-after returns the keys after it in order, two per page with continuation tokens', async () => {
    const listed = await createBucket();
    // Written out of order, with neighbours the prefix must leave out.
    for (const seq of [5, 1, 4, 2, 3, 6]) expect((await put(listed, seqKey('log', seq), `segment ${seq}`)).status).toBe(200);
    await put(listed, seqKey('snap', 3), 'snapshot');
    await put(listed, 'logbook', 'not under log/');

    const pages: string[][] = [];
    let page = await listPage(listed, { prefix: 'log/', 'start-after': seqKey('log', 1), 'max-keys': '2' });
    pages.push(page.keys);
    while (page.next) {
      page = await listPage(listed, { prefix: 'log/', 'max-keys': '2', 'continuation-token': page.next });
      pages.push(page.keys);
    }
    expect(pages).toEqual([
      [seqKey('log', 2), seqKey('log', 3)],
      [seqKey('log', 4), seqKey('log', 5)],
      [seqKey('log', 6)],
    ]);
  });

  test('a DELETE removes an object, and deleting it again is still a success', async () => {
    const bucket = await createBucket();
    await put(bucket, 'log/doomed', 'bye');
    expect((await s3Fetch(bucket.client, bucket.url('log/doomed'), { method: 'DELETE' })).status).toBe(204);
    expect((await get(bucket, 'log/doomed')).status).toBe(404);
    expect((await s3Fetch(bucket.client, bucket.url('log/doomed'), { method: 'DELETE' })).status).toBe(204);
  });

  test('a request signed with a wrong secret key is refused with 403 SignatureDoesNotMatch', async () => {
    const bucket = await createBucket();
    await put(bucket, 'log/guarded', 'secret');
    const impostor = s3Client(bucket.server, { secretAccessKey: 'not-the-secret-key-of-the-test-user-0000' });
    const response = await s3Fetch(impostor, bucket.url('log/guarded'));
    expect(response.status).toBe(403);
    expect(texts(await response.text(), 'Code')).toEqual(['SignatureDoesNotMatch']);
  });

  test('a missing bucket answers 404 NoSuchBucket', async () => {
    const bucket = await createBucket();
    const response = await s3Fetch(bucket.client, `${bucket.server.endpoint}/${bucket.name}-missing/log/1`);
    expect(response.status).toBe(404);
    expect(texts(await response.text(), 'Code')).toEqual(['NoSuchBucket']);
  });

  test('a CORS preflight for a PUT from a page is refused before allowCors and allowed after it, with the ETag exposed', async () => {
    const cors = await createBucket();
    const origin = 'http://localhost:5173';
    // What a page's signed conditional PUT asks for.
    const requestHeaders = ['authorization', 'if-none-match', 'x-amz-content-sha256', 'x-amz-date'];
    const preflight = () =>
      fetch(cors.url('log/1'), {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': requestHeaders.join(',') },
      });
    expect((await preflight()).status).toBe(403);

    await allowCors(cors);
    const allowed = await preflight();
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toMatch(/^(\*|http:\/\/localhost:5173)$/);
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PUT');
    const allowedHeaders = allowed.headers.get('access-control-allow-headers')?.toLowerCase().split(/\s*,\s*/) ?? [];
    expect(allowedHeaders.includes('*') || requestHeaders.every((header) => allowedHeaders.includes(header)), allowedHeaders.join(',')).toBe(true);

    await put(cors, 'log/1', 'hello');
    const read = await s3Fetch(cors.client, cors.url('log/1'), { headers: { Origin: origin } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('etag');
  });

  test('fresh buckets get distinct names of 3 to 63 lowercase characters', async () => {
    const [one, two] = await Promise.all([createBucket(), createBucket()]);
    expect(one.name).not.toBe(two.name);
    for (const { name } of [one, two]) expect(name).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
  });

  test('with no server listening, the helper fails with how to start one', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    await expect(createBucket({ ...s3Server(), endpoint: `http://127.0.0.1:${closedPort}` })).rejects.toThrow(/node scripts\/rgw\.mjs ensure/);
  });
});
