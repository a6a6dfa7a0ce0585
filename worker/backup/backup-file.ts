import type { Reducers, StoreDefinition } from '../../src/define-store.js';
import { TidemarkError } from '../../src/errors.js';
import { hashState, hashText } from '../../src/hash.js';
import type { Database } from '../database.js';
import { rebuildState, stateOfLoaded, type LoadedState } from '../load.js';
import { assertNotAhead } from '../migrations.js';
import type { JournalRecord } from '../records.js';
import { canGunzipNatively, encodeJson, loadFflate, verifySnapshotJson } from '../snapshot-codec.js';

// A backup file is ONE gzip member holding two lines of JSON:
//
//   {"format":"tidemark-backup","formatVersion":1,"store":…,"version":…,"firstSeq":…,"lastSeq":…,
//    "exportedAt":…,"snapshotHash":…,"stateHash":…,"bodyChars":…,"bodyHash":…}
//   {"snapshot":{"seq":…,"at":…,"version":…,"json":"…"}|null,"records":[<journal records>]}
//
// The header says what the file holds and the hashes that prove it; the body
// is the newest snapshot's JSON (as stored, so its hash is the snapshot's)
// and the journal records after it, whole, as IndexedDB holds them.

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** The `format` field every tidemark backup starts with. */
export const BACKUP_FORMAT = 'tidemark-backup';
/** The version of the layout above; a reader refuses a newer one. */
export const BACKUP_FORMAT_VERSION = 1;

/** The first line of a backup file. */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  store: string;
  /** The store `version` of the code that exported it. */
  version: number;
  /** Seq of the snapshot (0 without one): the body's journal starts after it. */
  firstSeq: number;
  lastSeq: number;
  exportedAt: number;
  /** hashText of the snapshot's JSON, null without one. */
  snapshotHash: string | null;
  /** hashState of the state after `lastSeq`, as the exporting code rebuilt it. */
  stateHash: string;
  /** Length of the body line, in UTF-16 code units: a truncated file is told apart from an altered one. */
  bodyChars: number;
  bodyHash: string;
}

/** The second line. */
export interface BackupBody {
  snapshot: { seq: number; at: number; version: number; json: string } | null;
  records: JournalRecord[];
}

/** A backup file read and verified. */
export interface Backup {
  header: BackupHeader;
  body: BackupBody;
  /** The state the file rebuilds to, at the current version. */
  loaded: LoadedState;
}

/**
 * Writes a backup of the store: the newest snapshot that verifies and the
 * journal after it, read in one readonly transaction.
 * @throws TidemarkError `DATA_DAMAGED` when no snapshot verifies and the journal does not reach back to seq 1.
 */
export async function writeBackup(db: Database, def: AnyDefinition, now: number): Promise<Blob> {
  const tx = db.transaction(['snapshots', 'journal'], 'readonly');
  const keys = await tx.objectStore('snapshots').getAllKeys();
  const candidates = await Promise.all(keys.reverse().map((key) => tx.objectStore('snapshots').get(key)));
  const journal = await tx.objectStore('journal').getAll();
  await tx.done;
  let snapshot: BackupBody['snapshot'] = null;
  for (const record of candidates) {
    if (!record || (journal[0] && journal[0].seq > record.seq + 1)) continue;
    try {
      const json = await verifySnapshotJson(record.bytes, record.hash);
      snapshot = { seq: record.seq, at: record.at, version: record.version, json };
      break;
    } catch {
      // damaged: an older snapshot, or the journal from seq 1, will do
    }
  }
  const firstSeq = snapshot?.seq ?? 0;
  const records = journal.filter((record) => record.seq > firstSeq);
  if (records.length > 0 && records[0]!.seq !== firstSeq + 1) {
    throw new TidemarkError('DATA_DAMAGED', `Store "${def.name}" has no snapshot that verifies from which its journal can be replayed, so no backup can be written. Clear the store or restore it.`);
  }
  const body: BackupBody = { snapshot, records };
  const loaded = rebuildState(def, snapshot ? { json: snapshot.json, record: snapshot } : undefined, records, 0, () => 0);
  const bodyText = JSON.stringify(body);
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    store: def.name,
    version: def.version,
    firstSeq,
    lastSeq: loaded.seq,
    exportedAt: now,
    snapshotHash: snapshot ? hashText(snapshot.json) : null,
    stateHash: hashState(stateOfLoaded(def, loaded)),
    bodyChars: bodyText.length,
    bodyHash: hashText(bodyText),
  };
  const { bytes } = await encodeJson(`${JSON.stringify(header)}\n${bodyText}`);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/gzip' });
}

/**
 * Reads a backup file and checks everything before anything is written:
 * gzip integrity, the header, the body's length and hash, the snapshot's
 * hash, gapless seqs, the version, and that the replayed state hashes as it
 * did when exported (when no migration changed its shape).
 * @throws TidemarkError `BACKUP_INVALID` saying what is wrong; `VERSION_AHEAD`, `MIGRATION_*` from the store's migrations.
 */
export async function readBackup(def: AnyDefinition, blob: Blob): Promise<Backup> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw invalid(def, 'it is not a gzip file, so not a tidemark backup (exportBackup() writes one)', 'not-gzip');
  }
  const text = await gunzip(def, bytes);
  const newline = text.indexOf('\n');
  const header = parseJson(def, newline < 0 ? text : text.slice(0, newline), 'header') as Partial<BackupHeader> | null;
  if (header?.format !== BACKUP_FORMAT) throw invalid(def, 'its first line is not a tidemark backup header', 'foreign');
  if (header.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw invalid(def, `it is in backup format ${String(header.formatVersion)}, this tidemark reads ${BACKUP_FORMAT_VERSION}: import it with a newer build`, 'format');
  }
  if (header.store !== def.name) {
    throw invalid(def, `it is a backup of store "${String(header.store)}", not of "${def.name}": import it with that store's definition`, 'other-store');
  }
  assertNotAhead(def, Number(header.version), 'backup file');
  const bodyText = newline < 0 ? '' : text.slice(newline + 1);
  if (bodyText.length !== header.bodyChars) {
    throw invalid(def, `it is truncated: the body holds ${bodyText.length} characters of the ${String(header.bodyChars)} its header announces`, 'truncated');
  }
  if (hashText(bodyText) !== header.bodyHash) throw invalid(def, 'its contents were altered: the body does not hash to the hash in its header', 'altered');
  const body = parseJson(def, bodyText, 'body') as BackupBody;
  const snapshotHash = body.snapshot ? hashText(body.snapshot.json) : null;
  if (snapshotHash !== header.snapshotHash || (body.snapshot?.seq ?? 0) !== header.firstSeq) {
    throw invalid(def, 'its snapshot does not match its header', 'altered');
  }
  let seq = header.firstSeq ?? 0;
  for (const record of body.records) {
    if (record.seq !== seq + 1 || record.last < record.seq || record.commits.length !== record.last - record.seq + 1) {
      throw invalid(def, `its journal is not gapless after seq ${seq}`, 'altered');
    }
    seq = record.last;
  }
  if (seq !== header.lastSeq) throw invalid(def, `its journal ends at seq ${seq}, its header says ${String(header.lastSeq)}`, 'altered');
  const loaded = rebuildState(def, body.snapshot ? { json: body.snapshot.json, record: body.snapshot } : undefined, body.records, 0, () => 0);
  const state = stateOfLoaded(def, loaded);
  if (loaded.report.migratedFrom === undefined && header.version === def.version && hashState(state) !== header.stateHash) {
    throw invalid(
      def,
      `its journal replays to a state that hashes to ${hashState(state)}, not the ${String(header.stateHash)} it was exported with ` +
        '(a reducer differs from the exporting build, or is not deterministic: store.verify() tells)',
      'state-hash',
    );
  }
  return { header: header as BackupHeader, body, loaded };
}

async function gunzip(def: AnyDefinition, bytes: Uint8Array): Promise<string> {
  try {
    if (!canGunzipNatively()) return new TextDecoder().decode((await loadFflate()).gunzipSync(bytes));
    // The platform's gunzip checks the CRC and the length, so truncation and bit flips fail here.
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return await new Response(stream).text();
  } catch (error) {
    throw invalid(def, `it does not decompress: it is truncated or altered (${(error as Error).message})`, 'corrupt', error);
  }
}

function parseJson(def: AnyDefinition, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(def, `its ${what} is not JSON: it is not a tidemark backup, or it was altered`, 'foreign', error);
  }
}

function invalid(def: AnyDefinition, why: string, reason: string, cause?: unknown): TidemarkError {
  return new TidemarkError('BACKUP_INVALID', `This file cannot be imported into store "${def.name}": ${why}. Nothing was changed.`, {
    cause,
    details: { reason },
  });
}
