import { segmentKey, seqOfKey } from './keys.js';
import type { Remote } from './remote.js';

// The first steps of a hydration, which need no code but the remote's own:
// the engine loads this small module beside the rest of the remote code
// (hydrate.ts: verification, fall-back, the write) and takes them as soon as
// it finds its database empty, while the rest is still loading: the bucket
// is listed, then the newest snapshot and the first segments after it start
// downloading. Nothing here is trusted: the hydration verifies every object
// it takes from here, as it would its own. Verifying here too would import
// the codec, which bundlers then split out of the worker's entry chunk
// (+0.7 KB for every app, remote or not).

/** The keys under `snap/`, and under `log/` past `segmentsAfter`, in ascending order. */
export interface Listing {
  snapshots: string[];
  segments: string[];
  /** 0 when `segments` is the whole log; else the seq of the snapshot it was listed from. */
  segmentsAfter: number;
}

/**
 * Log keys asked for in the first listing: one S3 page. Backup mode deletes
 * nothing, so a long-used store's log outgrows it; its keys are then listed
 * from the snapshot a hydration starts at, not from seq 1.
 */
export const LOG_FIRST_PAGE = 1000;

/** Objects fetched at once during a hydration. */
export const DOWNLOADS_AT_ONCE = 4;

/** A hydration's first listing and the downloads it started. */
export interface HeadStart {
  listing: Promise<Listing>;
  /** Downloads under way, by key; each gives undefined if its key is gone. */
  downloads: Map<string, Promise<Uint8Array | undefined>>;
}

/** Lists the bucket, then starts downloading the newest snapshot and the segments after it, DOWNLOADS_AT_ONCE objects in all. */
export function startHydration(remote: Remote): HeadStart {
  const downloads = new Map<string, Promise<Uint8Array | undefined>>();
  const listing = listBucket(remote).then((listed) => {
    const snapshots = listed.snapshots.filter((key) => !Number.isNaN(seqOfKey(key)));
    const base = snapshots.length > 0 ? seqOfKey(snapshots[snapshots.length - 1]!) : 0;
    const segments = listed.segments.filter((key) => seqOfKey(key) > base);
    const first = [...snapshots.slice(-1), ...segments].slice(0, DOWNLOADS_AT_ONCE);
    for (const key of first) {
      const bytes = remote.get(key);
      bytes.catch(() => {}); // awaited by the hydration, unless it stops before this key
      downloads.set(key, bytes);
    }
    return listed;
  });
  listing.catch(() => {}); // awaited by the hydration, unless the open fails first
  return { listing, downloads };
}

/**
 * Lists `snap/` and the first page of `log/` at once; a longer log from the
 * newest snapshot at or before `atSeq` on (see LOG_FIRST_PAGE).
 */
export async function listBucket(remote: Remote, signal?: AbortSignal, atSeq = Infinity): Promise<Listing> {
  const [snapshots, segments] = await Promise.all([remote.list('snap/', {}, signal), remote.list('log/', { limit: LOG_FIRST_PAGE }, signal)]);
  if (segments.length < LOG_FIRST_PAGE) return { snapshots, segments, segmentsAfter: 0 };
  const base = Math.max(0, ...snapshots.map(seqOfKey).filter((seq) => seq <= atSeq));
  return { snapshots, segments: await listSegmentsAfter(remote, base, signal), segmentsAfter: base };
}

/** The log keys after seq `base` (a snapshot's), in ascending order. */
export function listSegmentsAfter(remote: Remote, base: number, signal?: AbortSignal): Promise<string[]> {
  return remote.list('log/', { startAfter: segmentKey(base) }, signal);
}
