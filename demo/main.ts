// The demo page: connects to the todos store and wires the app, the save
// indicator and the inspector to it.
import { isTidemarkError } from 'tidemark';
import { mountActions } from './actions';
import { renderBackup } from './backup-panel';
import { createActivityLog } from './activity-log';
import { createConnection, type Session } from './connection';
import { loadSummary } from './format';
import { mountInspector } from './inspector';
import { renderSaveStatus } from './save-status';
import { mountTodoList } from './todo-list';
import { mountTimeTravel } from './time-travel';
import { registerServiceWorker } from './pwa';

const connection = createConnection();
const log = createActivityLog(document.getElementById('activity') as HTMLOListElement);
const saveStatus = document.getElementById('save-status') as HTMLElement;
const errorBox = document.getElementById('app-error') as HTMLElement;

let errorTimer: ReturnType<typeof setTimeout> | undefined;
function showError(error: unknown): void {
  errorBox.textContent = error instanceof Error ? error.message : String(error);
  errorBox.hidden = false;
  clearTimeout(errorTimer);
  errorTimer = setTimeout(() => (errorBox.hidden = true), 8000);
}

// Another tab cleared the database: this page's worker lost its connection, so start a new one.
function reconnectAfterClose(session: Session): void {
  if (session !== connection.session) return;
  log.add('The database was closed from another tab; reconnecting.', 'warn');
  connection.reconnect(session, 'the store was closed from another tab').catch(showError);
}

const todoList = mountTodoList({
  commit(...events) {
    const session = connection.session;
    session.store.commit(...events).catch((error: unknown) => {
      if (isTidemarkError(error, 'CLOSED')) reconnectAfterClose(session);
      else showError(error);
    });
  },
});
const inspector = mountInspector({ connection, onClosed: reconnectAfterClose, onError: showError });
mountActions({ connection, inspector, log });
const timeTravel = mountTimeTravel({ connection, log: (text, tone) => log.add(text, tone), onError: showError });

// Render at most once a frame, however many commits arrive.
let frame = 0;
function renderSoon(): void {
  frame ||= requestAnimationFrame(() => {
    frame = 0;
    const session = connection.session;
    const pending = session.store.pendingCommits;
    todoList.render(session.store.getState());
    renderSaveStatus(saveStatus, pending > 0 ? 'saving' : 'saved', pending);
    renderBackup(session.store.remote, session.store.loadReport);
    inspector.showLocal(session);
  });
}

let unsubscribe = (): void => {};
connection.onSession((session) => {
  unsubscribe();
  unsubscribe = session.store.subscribe(() => {
    renderSoon();
    inspector.refreshSoon();
    timeTravel.refreshSoon();
  });
  todoList.setEnabled(true);
  renderSoon();
  inspector.refreshSoon();
  timeTravel.refreshSoon();
});

connection.start().then(
  (session) => {
    log.add(`Store loaded from ${loadSummary(session.store.loadReport)}.`);
  },
  (error: unknown) => {
    renderSaveStatus(saveStatus, 'connecting');
    saveStatus.textContent = 'Not connected';
    showError(error);
  },
);

// No network is no problem: say so, not more.
const networkStatus = document.getElementById('network-status') as HTMLElement;
const showNetwork = (): void => void (networkStatus.hidden = navigator.onLine);
addEventListener('online', showNetwork);
addEventListener('offline', showNetwork);
showNetwork();

// Offline and installable in a production build; a new build offers itself instead of swapping files under an open page.
const updateReady = document.getElementById('update-ready') as HTMLElement;
void registerServiceWorker({
  onUpdateReady(activate) {
    updateReady.hidden = false;
    (document.getElementById('update-now') as HTMLButtonElement).onclick = activate;
  },
}).catch(showError);
