// The inspector's buttons. Each one disables itself while it runs, reports to
// the activity log, and refreshes the inspector when it is done.
import type { ActivityLog } from './activity-log';
import type { Connection } from './connection';
import * as format from './format';
import type { Inspector } from './inspector';
import { addEvents } from './stress';

export interface ActionsOptions {
  connection: Connection;
  inspector: Inspector;
  log: ActivityLog;
}

/** How many commits "Add 10 000 events" fires. */
export const STRESS_EVENTS = 10_000;

export function mountActions({ connection, inspector, log }: ActionsOptions): void {
  const stressResult = document.querySelector<HTMLElement>('[data-stat="stress"]')!;

  const onClick = (id: string, action: () => Promise<void> | void): void => {
    const button = document.getElementById(id) as HTMLButtonElement;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await action();
      } catch (error) {
        log.add(error instanceof Error ? error.message : String(error), 'warn');
      } finally {
        button.disabled = false;
        await inspector.refresh();
      }
    });
  };

  onClick('action-checkpoint', async () => {
    const clicked = Date.now();
    const snapshot = await connection.session.store.checkpoint();
    if (!snapshot) log.add('Checkpoint: nothing to save yet, the store is empty.');
    else if (snapshot.at < clicked) log.add(`Checkpoint: nothing new since snapshot #${format.count(snapshot.seq)}.`);
    else {
      const sizes = `${format.bytes(snapshot.bytes)} gzip, ${format.bytes(snapshot.rawBytes)} raw`;
      log.add(`Checkpoint → snapshot #${format.count(snapshot.seq)} (${sizes}).`, 'good');
    }
  });

  onClick('backup-restore', async () => {
    const store = connection.session.store;
    const unuploaded = store.remote.pendingCommits;
    const warning = unuploaded > 0 ? ` ${format.count(unuploaded)} commits of this device are not in the bucket and will be lost.` : '';
    if (!confirm(`Replace this device's todos with the bucket's?${warning}`)) return;
    const restored = await store.restoreFromRemote({ discardLocal: true });
    const dropped = restored.discarded > 0 ? `, ${format.count(restored.discarded)} local ${restored.discarded === 1 ? 'commit' : 'commits'} dropped` : '';
    log.add(`Restored from the bucket through #${format.count(restored.seq)}${dropped}.`, 'good');
  });

  onClick('action-crash', async () => {
    log.add(`Worker #${connection.session.number} terminated.`, 'warn');
    const report = await connection.crash();
    log.add(`Worker #${connection.session.number} loaded from ${format.loadSummary(report)}.`, 'good');
  });

  onClick('action-reload', () => location.reload());

  onClick('action-stress', async () => {
    const total = format.count(STRESS_EVENTS);
    const result = await addEvents(connection.session, STRESS_EVENTS, (fired) => {
      stressResult.textContent = fired < STRESS_EVENTS ? `firing ${format.count(fired)} / ${total}…` : `waiting until all ${total} are durable…`;
    });
    if ('interrupted' in result) {
      stressResult.textContent = `interrupted: the worker was replaced\n${format.count(result.acknowledged)} were durable by then`;
      log.add(`Stress test interrupted after ${format.count(result.acknowledged)} durable commits; the new worker must have them all.`, 'warn');
      return;
    }
    const failed = result.failed ? `, ${format.count(result.failed)} failed` : '';
    stressResult.textContent =
      `${format.count(result.durable)} durable in ${format.duration(result.ms)}${failed}\n` +
      `seq ${format.count(result.firstSeq)}–${format.count(result.lastSeq)} · longest frame ${format.duration(result.longestFrameMs)}`;
    stressResult.dataset.ms = String(Math.round(result.ms));
    const rate = format.count(Math.round(result.durable / (result.ms / 1000)));
    log.add(`${total} events durable in ${format.duration(result.ms)} (${rate} commits/s).`, 'good');
  });

  onClick('action-clear', async () => {
    if (!confirm('Delete every todo, the journal and the snapshots of this demo, in every tab?')) return;
    await connection.clearDatabase();
    log.add(`Database deleted; worker #${connection.session.number} started empty.`, 'warn');
  });
}
