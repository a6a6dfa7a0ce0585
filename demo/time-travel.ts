// The inspector's time travel: a slider over the retained window that shows
// the list as it was at that seq (read-only, rebuilt in the worker by
// stateAt), "Rewind here" and its undo, and backup export / import.
import { isTidemarkError, type CommitRecord, type HistoryWindow } from 'tidemark';
import type { Connection } from './connection';
import * as format from './format';

export interface TimeTravelOptions {
  connection: Connection;
  /** Says what happened in the activity log. */
  log(text: string, tone?: 'warn'): void;
  onError(error: unknown): void;
}

export interface TimeTravel {
  /** Re-reads the window (after every change); the view follows the head while the slider is at its end. */
  refreshSoon(): void;
}

/** Wait between slider moves before asking the worker for the state there. */
export const SCRUB_DELAY_MS = 80;

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

/** One line about a commit: its events' types, a rewind's target. */
function describeCommit(commit: CommitRecord | undefined): string {
  if (!commit) return '';
  const events = commit.events.map((event) =>
    event.type === '@tidemark/state' ? (event.cause === 'rewind' ? `rewind to #${String(event.toSeq)}` : 'import') : event.type,
  );
  return `${events.join(', ')} · ${format.clock(commit.at)}`;
}

export function mountTimeTravel({ connection, log, onError }: TimeTravelOptions): TimeTravel {
  const slider = byId<HTMLInputElement>('history-slider');
  const where = byId<HTMLElement>('history-where');
  const view = byId<HTMLUListElement>('history-view');
  const rewindButton = byId<HTMLButtonElement>('history-rewind');
  const undoButton = byId<HTMLButtonElement>('history-undo');
  const exportButton = byId<HTMLButtonElement>('backup-export');
  const importButton = byId<HTMLButtonElement>('backup-import');
  const importFile = byId<HTMLInputElement>('backup-file');
  let window: HistoryWindow = { firstSeq: 0, lastSeq: 0 };
  let atHead = true;
  let scrubTimer: ReturnType<typeof setTimeout> | undefined;
  let shownSeq = -1;
  let asked = 0;

  const store = () => connection.session.store;

  const show = async (seq: number): Promise<void> => {
    const ticket = ++asked;
    try {
      const [state, page] = await Promise.all([store().stateAt(seq), seq > window.firstSeq ? store().history({ fromSeq: seq, limit: 1 }) : null]);
      if (ticket !== asked) return; // the slider moved on meanwhile
      shownSeq = seq;
      const head = seq === window.lastSeq;
      const span = `of #${format.count(window.firstSeq)}–${format.count(window.lastSeq)}`;
      where.textContent = `#${format.count(seq)} ${span}${head ? ' (now)' : ''} — ${seq === 0 ? 'the empty store' : describeCommit(page?.commits[0])}`;
      const todos = Object.values(state.items);
      view.replaceChildren(
        ...(todos.length === 0
          ? [Object.assign(document.createElement('li'), { className: 'muted', textContent: 'No todos at this point.' })]
          : todos.map((todo) => Object.assign(document.createElement('li'), { className: todo.done ? 'done' : '', textContent: todo.text }))),
      );
      rewindButton.disabled = head;
    } catch (error) {
      if (ticket === asked && !isTidemarkError(error, 'HISTORY_OUT_OF_RANGE')) onError(error);
    }
  };

  const refresh = async (): Promise<void> => {
    if (!connection.connected) return;
    try {
      const [page, rewinds] = await Promise.all([store().history({ limit: 1 }), store().rewinds()]);
      window = page.window;
      slider.min = String(window.firstSeq);
      slider.max = String(window.lastSeq);
      slider.disabled = window.lastSeq === window.firstSeq;
      undoButton.disabled = rewinds.length === 0;
      undoButton.dataset.seq = String(rewinds[0]?.seq ?? '');
      undoButton.title = rewinds[0] ? `Back to the state before the last rewind (safety snapshot #${rewinds[0].seq})` : 'No rewind to undo';
      if (atHead || Number(slider.value) < window.firstSeq) slider.value = String(window.lastSeq);
      const seq = Number(slider.value);
      if (seq !== shownSeq || atHead) await show(seq);
    } catch (error) {
      if (!isTidemarkError(error, 'CLOSED')) onError(error);
    }
  };

  slider.addEventListener('input', () => {
    atHead = Number(slider.value) === window.lastSeq;
    clearTimeout(scrubTimer);
    scrubTimer = setTimeout(() => void show(Number(slider.value)), SCRUB_DELAY_MS);
  });

  const act = (button: HTMLButtonElement, run: () => Promise<void>) =>
    button.addEventListener('click', () => {
      button.disabled = true;
      run()
        .catch(onError)
        .finally(() => {
          button.disabled = false;
          void refresh();
        });
    });

  act(rewindButton, async () => {
    const toSeq = Number(slider.value);
    const result = await store().rewind(toSeq);
    atHead = true;
    log(`Rewound to #${format.count(toSeq)} as commit #${format.count(result.seq)}; safety snapshot #${format.count(result.safetySnapshot?.seq ?? 0)} keeps what was there.`);
  });
  act(undoButton, async () => {
    const seq = Number(undoButton.dataset.seq);
    const result = await store().rewind(seq);
    atHead = true;
    log(`Undid the rewind: back to safety snapshot #${format.count(seq)} as commit #${format.count(result.seq)}.`);
  });
  act(exportButton, async () => {
    const file = await store().exportBackup();
    const link = Object.assign(document.createElement('a'), {
      href: URL.createObjectURL(file),
      download: `tidemark-todos-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.tidemark.gz`,
    });
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    log(`Exported a backup (${format.bytes(file.size)}).`);
  });
  importButton.addEventListener('click', () => importFile.click());
  importFile.addEventListener('change', () => {
    const file = importFile.files?.[0];
    importFile.value = '';
    if (!file) return;
    const replace = store().confirmedSeq > 0;
    store()
      .importBackup(file, { replace })
      .then((result) => {
        atHead = true;
        log(
          result.mode === 'loaded'
            ? `Imported a backup through #${format.count(result.backup.lastSeq)}.`
            : `Replaced the list with a backup (through #${format.count(result.backup.lastSeq)}); undo it with "Undo rewind".`,
        );
      })
      .catch((error: unknown) => {
        log(`Import refused: ${error instanceof Error ? error.message : String(error)}`, 'warn');
        onError(error);
      })
      .finally(() => void refresh());
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    refreshSoon() {
      timer ??= setTimeout(() => {
        timer = undefined;
        void refresh();
      }, 150);
    },
  };
}
