import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import { isStateEvent } from '../../src/state-event.js';
import type { CommitRecord, HistoryOptions, HistoryPage, StoredEvent } from '../../src/types.js';
import type { Database } from '../database.js';
import { commitsAtCurrentVersion } from '../load.js';
import { outOfRange, readRetained } from './window.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** Commits in one page of `history()` unless `limit` says otherwise. */
export const DEFAULT_HISTORY_LIMIT = 50;

/**
 * One page of the retained commits, newest first, from `fromSeq` back.
 * Reads the journal in one readonly transaction, walking records from the
 * newest with a cursor, so a page costs what it lists, not the whole window.
 *
 * @throws TidemarkError `HISTORY_OUT_OF_RANGE` when `fromSeq` is outside the window.
 */
export async function readHistory(db: Database, def: AnyDefinition, options: HistoryOptions = {}): Promise<HistoryPage> {
  const limit = options.limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TidemarkError('HISTORY_OUT_OF_RANGE', `history({ limit: ${limit} }): the limit must be a whole number ≥ 1.`, { details: { limit } });
  }
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const retained = await readRetained(tx);
  const { firstSeq, lastSeq } = retained.window;
  const fromSeq = options.fromSeq ?? lastSeq;
  if (!Number.isInteger(fromSeq) || fromSeq < firstSeq || fromSeq > lastSeq) {
    await tx.done;
    throw outOfRange(def.name, `history({ fromSeq: ${fromSeq} })`, fromSeq, retained);
  }
  const commits: CommitRecord[] = [];
  let cursor = await tx.objectStore('journal').openCursor(IDBKeyRange.upperBound(fromSeq), 'prev');
  while (cursor && commits.length < limit) {
    const listed = commitsAtCurrentVersion(def, cursor.value).filter((c) => c.seq <= fromSeq && c.seq > firstSeq);
    for (let i = listed.length - 1; i >= 0 && commits.length < limit; i--) commits.push(withoutStates(listed[i]!));
    cursor = cursor.value.seq - 1 > firstSeq ? await cursor.continue() : null;
  }
  await tx.done;
  const oldest = commits.at(-1)?.seq ?? fromSeq + 1;
  return { commits, next: oldest - 1 > firstSeq ? oldest - 1 : null, window: retained.window };
}

/** A built-in state event holds a whole state: history lists it without. */
function withoutStates(commit: CommitRecord): CommitRecord {
  if (!commit.events.some(isStateEvent)) return commit;
  return {
    ...commit,
    events: commit.events.map((event) => {
      if (!isStateEvent(event)) return event;
      const { json: _state, ...rest } = event;
      return rest as StoredEvent;
    }),
  };
}
