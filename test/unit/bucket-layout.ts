// Reads a store's objects through any remote (memory, or the real S3 server)
// and checks invariant 7: segments follow one another, or start right after
// a snapshot, and none overlaps another.
import type { Remote } from '../../worker/remote/remote.js';
import { readSegmentObject, seqOfKey } from '../../worker/remote/objects.js';

export interface BucketLayout {
  snapshots: number[];
  segments: Array<{ first: number; last: number }>;
  /** The last seq the bucket can restore. */
  through: number;
}

/** The bucket's layout; throws naming the first hole or overlap. */
export async function checkBucket(remote: Remote, store: string): Promise<BucketLayout> {
  const snapshots = (await remote.list('snap/')).map(seqOfKey);
  const segments: BucketLayout['segments'] = [];
  let through = 0;
  for (const key of await remote.list('log/')) {
    const { header } = await readSegmentObject((await remote.get(key))!, key, store);
    if (header.first <= through) throw new Error(`${key} overlaps the segments before it (they reach seq ${through})`);
    if (header.first !== through + 1 && !snapshots.includes(header.first - 1)) {
      throw new Error(`hole before ${key}: segments reach seq ${through}, snapshots at ${snapshots.join(', ') || 'none'}`);
    }
    segments.push({ first: header.first, last: header.last });
    through = header.last;
  }
  return { snapshots, segments, through: Math.max(through, ...snapshots, 0) };
}
