import { TidemarkError } from './errors.js';
import type { LoadReport } from './types.js';

/**
 * The store's data was found gone when it opened: the browser deleted the
 * database (Chromium does after a crash left it unreadable, and says so
 * once, in `upgradeneeded`), or the database is empty although the marker
 * tidemark keeps outside IndexedDB says it held commits.
 */
export interface DataLoss {
  /** Everything the database held is gone. */
  kind: 'total';
  /** The browser's `dataLossMessage`, or what the marker showed. */
  message: string;
  /** Who told: the browser's `upgradeneeded` event, or the marker in the Origin Private File System. */
  detectedBy: 'browser' | 'marker';
  /**
   * Set when the store has a remote and was rebuilt from it: every commit
   * through this seq (the last one uploaded) is back; commits made on this
   * device after that upload are lost. `loadReport.remote` says what was downloaded.
   */
  recoveredThrough?: number;
}

/**
 * What to do when the store's data was lost: `'reject'` fails the open with
 * `DATA_LOST`, so the app cannot mistake the loss for a new user;
 * `'open-empty'` opens the empty store and says so in `loadReport.dataLoss`.
 * The loss is reported on every open until the store is written again.
 */
export type DataLossPolicy = 'reject' | 'open-empty';

/** `DATA_LOST` for a load that found the data gone, unless it was recovered from a remote or the caller asked to open empty. */
export function refuseDataLoss(storeName: string, report: LoadReport, policy: DataLossPolicy = 'reject'): void {
  const loss = report.dataLoss;
  if (!loss || policy === 'open-empty' || loss.recoveredThrough !== undefined) return;
  throw new TidemarkError(
    'DATA_LOST',
    `The data of store "${storeName}" is gone: ${loss.message}. Nothing was written over it. ` +
      "Tell the user; to start again with an empty store, open it with { onDataLoss: 'open-empty' } " +
      '(loadReport.dataLoss says what happened), or restore the data from a backup.',
    { details: { ...loss } },
  );
}
