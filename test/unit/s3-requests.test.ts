// The requests s3Remote sends, seen through a stubbed fetch: reads are
// signed in the query so a page's worker sends them without a CORS
// preflight; writes are signed in headers. Against a real server in
// test/remote/ (Ceph RGW).
import { afterEach, describe, expect, test, vi } from 'vitest';
import { s3Remote } from 'tidemark/s3';

afterEach(() => void vi.unstubAllGlobals());

/** Headers a cross-origin request may carry without a preflight (the Fetch standard's CORS-safelisted ones, as far as s3Remote could send them). */
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language']);

function recordRequests(): Request[] {
  const sent: Request[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    sent.push(request);
    const body = new URL(request.url).searchParams.get('list-type') ? '<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>' : 'bytes';
    return new Response(request.method === 'GET' ? body : null, { status: 200 });
  });
  return sent;
}

const remote = () =>
  s3Remote({
    endpoint: 'https://s3.example.test',
    bucket: 'tidemark-test',
    prefix: 'users/7',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' },
  });

describe('s3Remote requests', () => {
  test('a LIST and a GET are signed in the query, for 15 minutes, and carry no header that would need a CORS preflight', async () => {
    const sent = recordRequests();
    const r = remote();
    await r.list('snap/');
    await r.get('snap/00000000000000000001');
    expect(sent.map((request) => request.method)).toEqual(['GET', 'GET']);
    for (const request of sent) {
      const query = new URL(request.url).searchParams;
      expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(query.get('X-Amz-Security-Token')).toBe('token');
      expect(query.get('X-Amz-Expires')).toBe('900');
      expect([...request.headers.keys()].filter((name) => !SAFELISTED.has(name))).toEqual([]);
    }
  });

  test('a PUT is signed in its headers, with If-None-Match, and its URL holds no signature', async () => {
    const sent = recordRequests();
    expect(await remote().create('log/00000000000000000001', new Uint8Array([1, 2, 3]))).toBe(true);
    const [put] = sent;
    expect(put!.method).toBe('PUT');
    expect(put!.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(put!.headers.get('if-none-match')).toBe('*');
    expect(new URL(put!.url).searchParams.has('X-Amz-Signature')).toBe(false);
  });
});
