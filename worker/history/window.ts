import { TidemarkError } from '../../src/errors.js';
import type { HistoryWindow } from '../../src/types.js';
import type { IDBPTransaction } from 'idb';
import type { TidemarkSchema } from '../database.js';

type ReadTx = IDBPTransaction<TidemarkSchema, ['snapshots', 'journal'], 'readonly' | 'readwrite'>;

/** What the database holds of the past, read in one transaction. */
export interface Retained {
  window: HistoryWindow;
  /** Seqs of every snapshot kept, oldest first (rewind safety snapshots outside the window included). */
  snapshotSeqs: number[];
}

/**
 * The retained window: the journal reaches back to its first record, and the
 * state just before it must be known (seq 0, or a snapshot there); when the
 * state at `first - 1` is not kept, the window starts at the oldest snapshot
 * the journal reaches from.
 */
export async function readRetained(tx: ReadTx): Promise<Retained> {
  const journal = tx.objectStore('journal');
  const [snapshotSeqs, first, last] = await Promise.all([
    tx.objectStore('snapshots').getAllKeys(),
    journal.openKeyCursor(),
    journal.openCursor(null, 'prev'),
  ]);
  const newestSnapshot = snapshotSeqs[snapshotSeqs.length - 1] ?? 0;
  const lastSeq = Math.max(last?.value.last ?? 0, newestSnapshot);
  const before = (first?.key ?? lastSeq + 1) - 1;
  const firstSeq = before === 0 ? 0 : (snapshotSeqs.find((seq) => seq >= before) ?? lastSeq);
  return { window: { firstSeq, lastSeq }, snapshotSeqs };
}

/** True when the state after `seq` can be rebuilt: inside the window, or a kept snapshot's own seq. */
export function canRebuild(retained: Retained, seq: number): boolean {
  const { firstSeq, lastSeq } = retained.window;
  return (seq >= firstSeq && seq <= lastSeq) || retained.snapshotSeqs.includes(seq);
}

/** `HISTORY_OUT_OF_RANGE`, saying what is kept and how to keep more. */
export function outOfRange(name: string, what: string, seq: number, retained: Retained): TidemarkError {
  const { firstSeq, lastSeq } = retained.window;
  const outside = retained.snapshotSeqs.filter((s) => s < firstSeq);
  return new TidemarkError(
    'HISTORY_OUT_OF_RANGE',
    `${what}: store "${name}" keeps the states of seqs ${firstSeq}–${lastSeq}` +
      (outside.length > 0 ? ` and of the rewind safety snapshots at ${outside.join(', ')}` : '') +
      `, not seq ${seq}. Ask for a seq in that range; to reach further back, keep more snapshots ` +
      '(retention.snapshots in defineStore): the journal is trimmed behind the oldest one.',
    { details: { seq, firstSeq, lastSeq, snapshots: retained.snapshotSeqs } },
  );
}
