// The inspector: what the worker holds (seq, journal, snapshots, state hash)
// and how it last loaded. stats() is a round trip to the worker, so refreshes
// are throttled, and one that a crashed worker never answers is dropped.
import { hashState, isTidemarkError, type LoadReport, type StorageStats, type StoreStats } from 'tidemark';
import type { Connection, Session } from './connection';
import * as format from './format';
import { todos } from './todos.store';

export interface InspectorOptions {
  connection: Connection;
  /** Called when the worker says the store was closed under it (another tab cleared the database). */
  onClosed(session: Session): void;
  /** Called when stats() fails for another reason. */
  onError(error: unknown): void;
}

export interface Inspector {
  /** Refreshes soon (at most every REFRESH_GAP_MS); call it after every change. */
  refreshSoon(): void;
  /** Refreshes now and resolves once the new stats are shown. */
  refresh(): Promise<void>;
  /** Shows what needs no round trip: the worker badge, its load report, the stress counter. Cheap; call it every frame. */
  showLocal(session: Session): void;
}

/** Minimum time between two stats() calls. */
export const REFRESH_GAP_MS = 200;
/** Refresh this often anyway, so snapshot ages move. */
export const IDLE_REFRESH_MS = 2000;

function stat(name: string): HTMLElement {
  const element = document.querySelector<HTMLElement>(`[data-stat="${name}"]`);
  if (!element) throw new Error(`index.html has no [data-stat="${name}"]`);
  return element;
}

function set(name: string, text: string): void {
  const element = stat(name);
  if (element.textContent !== text) element.textContent = text;
}

export function mountInspector({ connection, onClosed, onError }: InspectorOptions): Inspector {
  const rows = document.getElementById('snapshot-rows') as HTMLTableSectionElement;
  const noSnapshots = document.getElementById('snapshots-empty') as HTMLElement;
  const badge = document.getElementById('worker-badge') as HTMLElement;
  const persistButton = document.getElementById('action-persist') as HTMLButtonElement;
  let shownSession: Session | null = null;

  const refresh = async (): Promise<void> => {
    if (!connection.connected) return;
    const session = connection.session;
    let stats: StoreStats | null;
    try {
      stats = await Promise.race([session.store.stats(), session.ended.then(() => null)]);
    } catch (error) {
      if (isTidemarkError(error, 'CLOSED')) onClosed(session);
      else onError(error);
      return;
    }
    if (stats && session === connection.session) show(stats, session);
  };

  const show = (stats: StoreStats, session: Session): void => {
    set('seq', format.count(stats.seq));
    set('records', format.count(stats.journal.records));
    const { firstSeq } = stats.journal;
    const held =
      firstSeq === null ? '' : firstSeq === stats.seq ? ` (seq ${format.count(firstSeq)})` : ` (seq ${format.count(firstSeq)}–${format.count(stats.seq)})`;
    set('commits', `${format.count(stats.journal.commits)}${held}`);
    set('since-snapshot', format.count(stats.eventsSinceSnapshot));
    // The page's mirror of the durable state should hash the same as the worker's.
    const mirror = session.store.confirmedSeq === stats.seq ? hashState(session.store.getConfirmedState()) : null;
    const verdict = mirror === null ? '' : mirror === stats.hash ? ' · page matches ✓' : ' · page differs ✗';
    set('hash', `${stats.hash}${verdict}`);

    showStorage(stats.storage, session);

    set('snapshot-count', `${stats.snapshots.length} / ${todos.retention.snapshots} kept`);
    rows.replaceChildren(
      ...stats.snapshots.map((snapshot) => {
        const row = document.createElement('tr');
        row.dataset.seq = String(snapshot.seq);
        for (const [text, className] of [
          [`#${format.count(snapshot.seq)}`, 'seq'],
          [snapshot.kind, `kind kind-${snapshot.kind}`],
          [format.bytes(snapshot.bytes), 'num'],
          [format.bytes(snapshot.rawBytes), 'num'],
          [format.age(snapshot.at), 'num'],
        ] as const) {
          const cell = document.createElement('td');
          cell.className = className;
          cell.textContent = text;
          row.append(cell);
        }
        row.title = `hash ${snapshot.hash}, written ${new Date(snapshot.at).toLocaleString()}`;
        return row;
      }),
    );
    noSnapshots.hidden = stats.snapshots.length > 0;
    showLoad(stats.load);
    if (stats.lastCheckpointError) set('since-snapshot', `${format.count(stats.eventsSinceSnapshot)} — checkpoint failed: ${stats.lastCheckpointError.code}`);
  };

  // Best effort, the browser may evict the store under storage pressure: offer to ask for persistence.
  const showStorage = (storage: StorageStats, session: Session): void => {
    const used = storage.usage === null ? '?' : format.bytes(storage.usage);
    const quota = storage.quota === null ? '?' : format.bytes(storage.quota);
    const kept = storage.persisted === null ? '' : storage.persisted ? ' · persistent' : ' · may be evicted';
    set('storage', `${used} of ${quota}${kept}`);
    persistButton.hidden = storage.persisted !== false;
    persistButton.onclick = () => void session.store.persist().then(refresh, onError);
  };

  const showLoad = (report: LoadReport): void => {
    set('load-snapshot', report.snapshotSeq === 0 ? 'none (replayed from the start)' : `#${format.count(report.snapshotSeq)}`);
    set('load-replayed', format.count(report.commitsReplayed));
    set('load-ms', format.duration(report.ms) + (report.migratedFrom === undefined ? '' : ` (migrated from v${report.migratedFrom})`));
    const damaged = report.damaged.map((d) => `#${format.count(d.seq)}: ${d.reason}`).join('; ');
    set('load-fell-back', report.fellBack ? `yes — damaged ${damaged || 'snapshots'}` : 'no');
    stat('load-fell-back').classList.toggle('bad', report.fellBack);
  };

  const refreshSoon = throttle(refresh, REFRESH_GAP_MS);
  setInterval(refreshSoon, IDLE_REFRESH_MS);

  return {
    refreshSoon,
    refresh,
    showLocal(session) {
      if (session !== shownSession) {
        shownSession = session;
        badge.textContent = `worker #${session.number} · started ${format.clock(session.startedAt)}`;
        showLoad(session.store.loadReport);
      }
      set('bumps', format.count(session.store.getState().bumps));
    },
  };
}

/** Runs `run` at most once per `gapMs`, never two at a time, and once more after the last call. */
function throttle(run: () => Promise<void>, gapMs: number): () => void {
  let running = false;
  let dirty = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  const fire = async (): Promise<void> => {
    timer = undefined;
    dirty = false;
    running = true;
    last = performance.now();
    try {
      await run();
    } finally {
      running = false;
      if (dirty) kick();
    }
  };
  const kick = (): void => {
    dirty = true;
    if (running || timer !== undefined) return;
    timer = setTimeout(fire, Math.max(0, last + gapMs - performance.now()));
  };
  return kick;
}
