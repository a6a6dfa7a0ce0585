import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import { hashText } from '../../src/hash.js';
import { STATE_EVENT } from '../../src/state-event.js';
import type { RestoreOptions, RestoreResult } from '../../src/types.js';
import { openDatabase, type Database } from '../database.js';
import type { HistoryHost } from '../history/rewind.js';
import { stateOfLoaded, type LoadedState } from '../load.js';
import { toCheckedJson } from '../snapshot-codec.js';
import { download, rebuildDownload, writeDownload, type Download } from './hydrate.js';
import type { Remote } from './remote.js';
import { toRemoteError } from './remote-error.js';

// Restoring a device from the bucket on purpose: its newest state replacing
// the device's data, or a past point brought back as a new commit.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/**
 * Downloads the remote's newest state (unless `downloaded` is given), then
 * deletes the store's database and writes it anew from the download; a
 * store without commits is written in place. `stopUploads` runs before the
 * database is deleted, or after the write in place; `onVersionChange` is
 * the new connection's handler.
 */
export async function restoreFromRemote(
  store: { db: Database; def: AnyDefinition; remote: Remote; indexedDB: IDBFactory; now: () => number },
  device: { seq: number; uploadedSeq: number },
  options: RestoreOptions,
  stopUploads: () => void,
  onVersionChange: () => void,
  downloaded?: Download,
): Promise<{ db: Database; loaded: LoadedState; result: RestoreResult }> {
  const { db, def, remote, indexedDB, now } = store;
  const started = now();
  const unuploaded = device.seq - device.uploadedSeq;
  if (unuploaded > 0 && !options.discardLocal) {
    throw new TidemarkError(
      'REMOTE_CONFLICT',
      `This device has ${unuploaded} commits (seq ${device.uploadedSeq + 1}–${device.seq}) that ${remote.target} does not; ` +
        'restoring from it would discard them. Pass { discardLocal: true } to restore anyway.',
      { details: { unuploaded } },
    );
  }
  try {
    downloaded ??= await download(remote, def, now);
  } catch (error) {
    throw toRemoteError(error, `download store "${def.name}" from ${remote.target}`);
  }
  if (!downloaded) throw new TidemarkError('REMOTE_FAILED', `${remote.target} holds nothing for store "${def.name}" to restore from.`);
  let fresh = db;
  // A store with no commit (a new device that could not hydrate as it opened) is written in place, so its
  // other tabs catch up instead of closing; unless one of them has committed meanwhile.
  if (device.seq === 0 && !options.discardLocal) {
    if (!(await writeDownload(db, remote.target, downloaded, true))) {
      throw new TidemarkError(
        'REMOTE_CONFLICT',
        `Another tab of this device has committed to store "${def.name}" since it opened, and ${remote.target} does not have those commits; ` +
          'restoring from it would discard them. Pass { discardLocal: true } to restore anyway.',
      );
    }
    stopUploads();
  } else {
    stopUploads();
    db.close();
    await deleteDatabase(indexedDB, def.name);
    fresh = await openDatabase(def.name, indexedDB, onVersionChange);
    await writeDownload(fresh, remote.target, downloaded);
  }
  const loaded = rebuildDownload(def, downloaded, started, now);
  loaded.report = { ...loaded.report, source: 'remote', remote: downloaded.report };
  const discarded = Math.max(0, device.seq - device.uploadedSeq);
  return { db: fresh, loaded, result: { seq: downloaded.report.seq, discarded, report: downloaded.report } };
}

/** Deletes a database; other connections are told (versionchange) and close. */
function deleteDatabase(indexedDB: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/**
 * The bucket's state after `atSeq`, made current as a new commit holding the
 * built-in state event, after a safety snapshot, as `rewind` does: nothing
 * is deleted on the device or in the bucket, and the commit is uploaded like
 * any other.
 *
 * @throws TidemarkError `HISTORY_OUT_OF_RANGE` when the bucket cannot rebuild that seq; the download's errors
 */
export async function restoreAtSeq(host: HistoryHost & { remote: Remote; now: () => number }, atSeq: number): Promise<RestoreResult> {
  const { def, remote, now } = host;
  const started = now();
  let downloaded: Download | undefined;
  try {
    downloaded = await download(remote, def, now, { atSeq });
  } catch (error) {
    throw toRemoteError(error, `download the state at seq ${atSeq} from ${remote.target}`);
  }
  if (!downloaded || downloaded.report.seq < atSeq) {
    throw new TidemarkError(
      'HISTORY_OUT_OF_RANGE',
      `${remote.target} cannot rebuild the state at seq ${atSeq}: ` +
        (downloaded ? `from its snapshot at seq ${downloaded.report.snapshotSeq} the log reaches seq ${downloaded.report.seq}.` : 'it holds nothing of this store.'),
      { details: { atSeq, reaches: downloaded?.report.seq ?? 0 } },
    );
  }
  const loaded = rebuildDownload(def, downloaded, started, now);
  const json = loaded.stateJson ?? toCheckedJson(stateOfLoaded(def, loaded));
  const safetySnapshot = await host.checkpoint('rewind');
  const { seq } = await host.commitState({ type: STATE_EVENT, json, hash: hashText(json), cause: 'restore', toSeq: atSeq });
  return { seq, discarded: 0, report: downloaded.report, safetySnapshot };
}
