import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { hashText } from '../../src/hash.js';
import { STATE_EVENT, type StateEvent } from '../../src/state-event.js';
import type { CommitResult, RewindResult, SnapshotInfo, SnapshotKind } from '../../src/types.js';
import type { Database } from '../database.js';
import type { TransactionGate } from '../transaction-gate.js';
import { toCheckedJson } from '../snapshot-codec.js';
import { stateAt } from './state-at.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** What a rewind needs of the engine. */
export interface HistoryHost {
  db: Database;
  /** The engine's: each transaction of a rewind or an import goes through it (see TransactionGate). */
  gate: TransactionGate;
  def: AnyDefinition;
  /** Writes a snapshot of the live state (kind 'rewind' always writes). */
  checkpoint(kind: SnapshotKind): Promise<SnapshotInfo | null>;
  /** Appends a built-in state event as a commit, through the engine's queue. */
  commitState(event: StateEvent): Promise<CommitResult>;
}

/**
 * Makes the state after `toSeq` current again, in three steps that each
 * leave the store whole if a crash stops them:
 *
 * 1. the state at `toSeq` is rebuilt (read only);
 * 2. a safety snapshot of the live state is written, kind 'rewind' (one
 *    transaction; kept for retention.rewindMs, so the rewind can be undone
 *    with `rewind(safety.seq)`);
 * 3. a commit holding the built-in `@tidemark/state` event with that state is
 *    appended through the ordinary commit path (one transaction).
 *
 * A crash before 3 completes leaves the old state (plus a harmless extra
 * snapshot); after, the new one. History stays append-only: other tabs,
 * reloads and the remote replay the commit like any other. Commits that
 * land between 2 and 3 are in the journal, and overwritten by the rewind.
 *
 * @throws TidemarkError `HISTORY_OUT_OF_RANGE` for a seq neither in the window nor a kept snapshot's.
 */
export async function rewindTo(host: HistoryHost, toSeq: number): Promise<RewindResult> {
  const target = await stateAt(host.db, host.def, toSeq, `rewind(${toSeq})`, host.gate);
  const json = toCheckedJson(target.state);
  const safetySnapshot = await host.checkpoint('rewind');
  const event: StateEvent = { type: STATE_EVENT, json, hash: hashText(json), cause: 'rewind', toSeq };
  const { seq } = await host.commitState(event);
  return { seq, toSeq, safetySnapshot };
}
