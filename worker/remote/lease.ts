import type { Remote } from './remote.js';

// The compaction lease: one device compacts at a time, so devices do not all
// repeat the same deletes. Made of If-None-Match creates and deletes only:
// RGW (Debian 12's Pacific) honours If-Match on PUT only against an unquoted
// ETag (AWS and the RFC quote it) and ignores it on DELETE, so a Litestream
// compare-and-swap renewal would not be portable. It need not be: no one's
// safety rests on the lease (see compaction.ts and shared-log.ts), two
// holders at once (a pause past the term, clock skew) only delete twice.
// A holder does not renew; it stops its pass when its term is over.

/** The lease's key, next to `snap/` and `log/`. */
export const LEASE_KEY = 'lease/compaction';

/** How far devices' clocks may disagree: a lease is broken only this long after it ended. */
export const CLOCK_SKEW_MS = 30_000;

interface LeaseBody {
  holder: string;
  until: number;
}

/**
 * Takes the lease for `ms` unless another holder's term is running. A lease
 * whose holder went away is broken (deleted) once its term plus the clock
 * skew is over; a lease of this holder's own (a create whose answer was
 * lost) is taken back.
 *
 * @returns when the term ends (this device's clock), or undefined when another device holds the lease
 * @throws RemoteFault on network and server errors
 */
export async function takeLease(remote: Remote, holder: string, ms: number, now: () => number, signal?: AbortSignal): Promise<number | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const until = now() + ms;
    const body: LeaseBody = { holder, until };
    if (await remote.create(LEASE_KEY, new TextEncoder().encode(JSON.stringify(body)), signal)) return until;
    const there = readLease(await remote.get(LEASE_KEY, signal));
    if (there?.holder === holder) return Math.min(there.until, until);
    if (there && there.until + CLOCK_SKEW_MS > now()) return undefined;
    await remote.delete(LEASE_KEY, signal); // expired, or unreadable: its holder is gone
  }
  return undefined;
}

/** Tries to give the lease back this many times: one left behind stops every compaction until its term is over. */
const RELEASE_ATTEMPTS = 3;

/** Gives the lease back if it is still this holder's (another may have broken it after the term). */
export async function releaseLease(remote: Remote, holder: string, signal?: AbortSignal): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      if (readLease(await remote.get(LEASE_KEY, signal))?.holder === holder) await remote.delete(LEASE_KEY, signal);
      return;
    } catch (error) {
      if (attempt === RELEASE_ATTEMPTS) throw error;
    }
  }
}

function readLease(bytes: Uint8Array | undefined): LeaseBody | undefined {
  if (!bytes) return undefined;
  try {
    const body = JSON.parse(new TextDecoder().decode(bytes)) as LeaseBody;
    return typeof body.holder === 'string' && typeof body.until === 'number' ? body : undefined;
  } catch {
    return undefined;
  }
}
