import type { Remote } from './remote.js';

// The listing a hydration starts from. Its own small module: the engine
// starts it as soon as the database is found empty, while the rest of the
// remote code is still loading.

/** The keys under `snap/` and `log/`, in ascending order. */
export interface Listing {
  snapshots: string[];
  segments: string[];
}

/** Lists `snap/` and `log/` at once. */
export async function listBucket(remote: Remote, signal?: AbortSignal): Promise<Listing> {
  const [snapshots, segments] = await Promise.all([remote.list('snap/', {}, signal), remote.list('log/', {}, signal)]);
  return { snapshots, segments };
}
