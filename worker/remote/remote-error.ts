import { TidemarkError } from '../../src/errors.js';
import { RemoteFault } from './remote.js';

/**
 * A remote failure as a TidemarkError: `REMOTE_DENIED` for refused
 * credentials, `REMOTE_FAILED` otherwise (TidemarkErrors pass through).
 * `doing` completes "… while tidemark tried to ___".
 */
export function toRemoteError(error: unknown, doing: string): TidemarkError {
  if (error instanceof TidemarkError) return error;
  const fault = error instanceof RemoteFault ? error : undefined;
  if (fault?.kind === 'denied') {
    return new TidemarkError(
      'REMOTE_DENIED',
      `The remote refused the credentials while tidemark tried to ${doing} (${fault.message}). Give the worker fresh credentials with access to this bucket and prefix.`,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  const retrying = fault?.kind === 'transient';
  return new TidemarkError(
    'REMOTE_FAILED',
    `The remote failed while tidemark tried to ${doing} (${message}).${retrying ? ' It looks like a network fault; uploads retry by themselves, other calls can be tried again.' : ' Check the bucket, its prefix and its CORS settings.'}`,
    { cause: error, details: { retrying } },
  );
}
