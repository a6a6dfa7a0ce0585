// Reads a store's objects straight from the S3 server, to check invariant 7.
import { readSegmentObject, seqOfKey } from '../../worker/remote/objects.js';
import { s3Fetch, type S3Bucket } from './s3-server.js';

/** The keys under `prefix` (with a trailing slash), relative to it, read with a plain ListObjectsV2. */
export async function bucketKeys(bucket: S3Bucket, prefix: string): Promise<string[]> {
  const response = await s3Fetch(bucket.client, `${bucket.url()}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  return [...(await response.text()).matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!.slice(prefix.length));
}

/**
 * Invariant 7 on the bucket: segments follow one another, or start right
 * after a snapshot, and none overlaps another. Throws naming the first
 * violation; returns the last seq the bucket can restore.
 */
export async function checkBucket(bucket: S3Bucket, prefix: string, store: string): Promise<number> {
  const keys = await bucketKeys(bucket, prefix);
  const snapshots = keys.filter((k) => k.startsWith('snap/')).map(seqOfKey);
  let through = 0;
  for (const key of keys.filter((k) => k.startsWith('log/'))) {
    const bytes = new Uint8Array(await (await s3Fetch(bucket.client, bucket.url(prefix + key))).arrayBuffer());
    const { header } = await readSegmentObject(bytes, key, store);
    if (header.first <= through) throw new Error(`${key} overlaps the segments before it (they reach seq ${through})`);
    if (header.first !== through + 1 && !snapshots.includes(header.first - 1)) {
      throw new Error(`hole before ${key}: segments reach seq ${through}, snapshots at ${snapshots.join(', ') || 'none'}`);
    }
    through = header.last;
  }
  return Math.max(through, ...snapshots, 0);
}
