import { readSegmentObject, readSnapshotObject, seqOfKey } from './objects.js';
import type { Remote } from './remote.js';

// The first steps of a hydration, which need no code but the remote's and
// the objects' readers: the engine takes them as soon as it finds its
// database empty, while the rest of the remote code (hydrate.ts: the
// fall-back, the chain's checks, the write) is still loading. The bucket is
// listed, then the newest snapshot and the first segments after it are
// downloaded, each verified as it arrives. The hydration takes them from
// here, and uses none whose verification failed.

/** The keys under `snap/` and `log/`, in ascending order. */
export interface Listing {
  snapshots: string[];
  segments: string[];
}

/** A downloaded object, with its verification (started as it arrived); undefined when it is gone. */
export type Fetched<T> = { bytes: Uint8Array; read: Promise<T> } | undefined;
export type VerifiedSnapshot = Awaited<ReturnType<typeof readSnapshotObject>>;
export type VerifiedSegment = Awaited<ReturnType<typeof readSegmentObject>>;

/** Objects fetched at once during a hydration. */
export const DOWNLOADS_AT_ONCE = 4;

/** A hydration's first listing and the downloads it started, by key. */
export interface HeadStart {
  listing: Promise<Listing>;
  snapshots: Map<string, Promise<Fetched<VerifiedSnapshot>>>;
  segments: Map<string, Promise<Fetched<VerifiedSegment>>>;
}

/** Lists the bucket, then downloads the newest snapshot and the segments after it, DOWNLOADS_AT_ONCE objects in all. */
export function startHydration(remote: Remote, store: string): HeadStart {
  const started: HeadStart = { listing: listBucket(remote), snapshots: new Map(), segments: new Map() };
  started.listing = started.listing.then((listed) => {
    const snapshots = listed.snapshots.filter((key) => !Number.isNaN(seqOfKey(key)));
    const base = snapshots.length > 0 ? seqOfKey(snapshots[snapshots.length - 1]!) : 0;
    const segments = listed.segments.filter((key) => seqOfKey(key) > base).slice(0, DOWNLOADS_AT_ONCE - Math.min(1, snapshots.length));
    // Awaited by the hydration, unless it stops before these keys.
    for (const key of snapshots.slice(-1)) started.snapshots.set(key, quiet(fetchSnapshot(remote, store, key)));
    for (const key of segments) started.segments.set(key, quiet(fetchSegment(remote, store, key)));
    return listed;
  });
  quiet(started.listing);
  return started;
}

/** Lists `snap/` and `log/` at once. */
export async function listBucket(remote: Remote, signal?: AbortSignal): Promise<Listing> {
  const [snapshots, segments] = await Promise.all([remote.list('snap/', {}, signal), remote.list('log/', {}, signal)]);
  return { snapshots, segments };
}

/** Downloads a `snap/` object and verifies it as it arrives. */
export function fetchSnapshot(remote: Remote, store: string, key: string, signal?: AbortSignal): Promise<Fetched<VerifiedSnapshot>> {
  return fetchAndRead(remote, key, signal, (bytes) => readSnapshotObject(bytes, key, store));
}

/** Downloads a `log/` object and verifies it as it arrives. */
export function fetchSegment(remote: Remote, store: string, key: string, signal?: AbortSignal): Promise<Fetched<VerifiedSegment>> {
  return fetchAndRead(remote, key, signal, (bytes) => readSegmentObject(bytes, key, store));
}

async function fetchAndRead<T>(remote: Remote, key: string, signal: AbortSignal | undefined, read: (bytes: Uint8Array) => Promise<T>): Promise<Fetched<T>> {
  const bytes = await remote.get(key, signal);
  if (!bytes) return undefined;
  return { bytes, read: quiet(read(bytes)) }; // awaited in key order, unless an earlier object fails first
}

/** `promise`, with its rejection marked as handled: whoever awaits it still gets it. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
