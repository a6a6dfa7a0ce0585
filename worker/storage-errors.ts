import { TidemarkError } from '../src/errors.js';

/**
 * Maps whatever IndexedDB threw to a TidemarkError, keeping the original as
 * `cause`. The one place DOMException names are interpreted.
 */
export function toTidemarkError(error: unknown, doing: string): TidemarkError {
  if (error instanceof TidemarkError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'QuotaExceededError') {
    return new TidemarkError(
      'QUOTA_EXCEEDED',
      `The browser is out of storage space for this site, so tidemark could not ${doing}. ` +
        'Nothing was written and earlier commits are safe; free space (or ask for navigator.storage.persist()) and try again.',
      { cause: error },
    );
  }
  if (name === 'InvalidStateError' || name === 'TransactionInactiveError') {
    return new TidemarkError('CLOSED', `The database connection closed while tidemark tried to ${doing}. Reopen the store.`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new TidemarkError('STORAGE_FAILED', `IndexedDB failed while tidemark tried to ${doing} (${message}).`, { cause: error });
}
