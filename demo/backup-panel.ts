// The backup line beside the save indicator, and the inspector's backup panel:
// what store.remote says, with no round trip to the worker.
import type { LoadReport, RemoteStatus } from 'tidemark';
import { bytes, count, duration } from './format';

const SYNC_LABELS: Record<RemoteStatus['status'], string> = {
  off: 'Sync off',
  idle: 'Synced',
  uploading: 'Syncing…',
  offline: 'Offline: sync waits',
  error: 'Sync stopped',
};

/** "toggled t3 (REDUCER_THREW)": what a rejected commit did and why it was undone. */
function describe(rejected: NonNullable<RemoteStatus['rejected']>[number]): string {
  return `${rejected.events.map((e) => e.type).join(', ')} undone (${rejected.error.code})`;
}

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

/** Sync (the demo started with --sync) or backup: read from the demo's build settings. */
const syncing = (JSON.parse((import.meta.env.VITE_TIDEMARK_DEMO_S3 as string | undefined) ?? '{}') as { mode?: string }).mode === 'sync';

/** Renders the remote status; cheap, call it every frame. */
export function renderBackup(remote: RemoteStatus, load: LoadReport): void {
  const badge = document.getElementById('backup-status');
  if (badge) {
    const label = syncing ? SYNC_LABELS[remote.status] : LABELS[remote.status];
    const text = remote.status === 'idle' || remote.status === 'uploading' ? `${label} through #${remote.uploadedSeq}` : label;
    if (badge.textContent !== text) badge.textContent = text;
    badge.dataset.state = remote.status;
    badge.title = remote.lastError?.message ?? '';
  }
  const restore = document.getElementById('backup-restore') as HTMLButtonElement | null;
  if (restore) restore.hidden = remote.status === 'off' || syncing;
  if (syncing) {
    // Sync mode: the same rows, named for what they are there.
    const labels: Array<[string, string]> = [
      ['backup-title', 'Sync'],
      ['backup-through-label', 'Shared log through'],
      ['backup-pending-label', 'Not in it yet'],
      ['backup-hint', 'Open this page in a second browser profile (or a private window) and edit in both: the bucket orders the commits.'],
    ];
    for (const [id, text] of labels) {
      const element = document.getElementById(id);
      if (element && element.textContent !== text) element.textContent = text;
    }
  }
  const rejected = remote.rejected?.length ?? 0;
  set('backup-rejected', rejected === 0 ? 'none' : `${count(rejected)}: ${describe(remote.rejected![rejected - 1]!)}`);
  set('backup-state', remote.status === 'off' ? 'off: start the demo with npm run demo after node scripts/rgw.mjs ensure' : remote.status);
  set('backup-through', remote.status === 'off' ? '–' : `#${remote.uploadedSeq}`);
  set('backup-pending', remote.status === 'off' ? '–' : count(remote.pendingCommits));
  set('backup-error', remote.lastError ? `${remote.lastError.code}: ${remote.lastError.message}` : 'none');
  set('backup-synced', remote.syncedAt ? new Date(remote.syncedAt).toLocaleTimeString('en-GB') : '–');
  set(
    'backup-source',
    load.source === 'remote' && load.remote
      ? `the bucket: ${load.remote.snapshotSeq ? `snapshot #${count(load.remote.snapshotSeq)}` : 'no snapshot'} + ${count(load.remote.segments)} ` +
          `${load.remote.segments === 1 ? 'segment' : 'segments'} (${bytes(load.remote.bytes)} in ${duration(load.remote.ms)})`
      : 'this device',
  );
}
