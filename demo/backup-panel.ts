// The backup line beside the save indicator, and the inspector's backup panel:
// what store.remote says, with no round trip to the worker.
import type { LoadReport, RemoteStatus } from 'tidemark';
import { bytes, count, duration } from './format';

const LABELS: Record<RemoteStatus['status'], string> = {
  off: 'Backup off',
  idle: 'Backed up',
  uploading: 'Backing up…',
  offline: 'Offline: backup waits',
  error: 'Backup stopped',
};

function set(name: string, text: string): void {
  const element = document.querySelector<HTMLElement>(`[data-stat="${name}"]`);
  if (element && element.textContent !== text) element.textContent = text;
}

/** Renders the remote status; cheap, call it every frame. */
export function renderBackup(remote: RemoteStatus, load: LoadReport): void {
  const badge = document.getElementById('backup-status');
  if (badge) {
    const text = remote.status === 'idle' || remote.status === 'uploading' ? `${LABELS[remote.status]} through #${remote.uploadedSeq}` : LABELS[remote.status];
    if (badge.textContent !== text) badge.textContent = text;
    badge.dataset.state = remote.status;
    badge.title = remote.lastError?.message ?? '';
  }
  const restore = document.getElementById('backup-restore') as HTMLButtonElement | null;
  if (restore) restore.hidden = remote.status === 'off';
  set('backup-state', remote.status === 'off' ? 'off: start the demo with npm run demo after node scripts/rgw.mjs ensure' : remote.status);
  set('backup-through', remote.status === 'off' ? '–' : `#${remote.uploadedSeq}`);
  set('backup-pending', remote.status === 'off' ? '–' : count(remote.pendingCommits));
  set('backup-error', remote.lastError ? `${remote.lastError.code}: ${remote.lastError.message}` : 'none');
  set(
    'backup-source',
    load.source === 'remote' && load.remote
      ? `the bucket: ${load.remote.snapshotSeq ? `snapshot #${count(load.remote.snapshotSeq)}` : 'no snapshot'} + ${count(load.remote.segments)} ` +
          `${load.remote.segments === 1 ? 'segment' : 'segments'} (${bytes(load.remote.bytes)} in ${duration(load.remote.ms)})`
      : 'this device',
  );
}
