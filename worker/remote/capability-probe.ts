import { TidemarkError } from '../../src/errors.js';
import type { Remote } from './remote.js';

/**
 * Checks that the remote honours conditional writes, which sync mode needs
 * to sequence devices: one probe key is created twice with If-None-Match,
 * and the second must be refused (412 / 409). The key is deleted after.
 *
 * @throws TidemarkError `REMOTE_UNSUPPORTED` when the second write succeeds
 * (e.g. s3rver, or a gateway that drops the header): backup mode still works there.
 */
export async function probeConditionalWrites(remote: Remote, signal?: AbortSignal): Promise<void> {
  const key = `probe/${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const bytes = new TextEncoder().encode('tidemark: can this server refuse a second write of one key?');
  try {
    const first = await remote.create(key, bytes, signal);
    const second = await remote.create(key, bytes, signal);
    if (first && second) {
      throw new TidemarkError(
        'REMOTE_UNSUPPORTED',
        `${remote.target} accepted two writes of ${key} with If-None-Match: *, so it cannot tell two devices apart when both append ` +
          'the same log position. Sync mode needs conditional writes (AWS S3, R2, MinIO and Ceph RGW have them); use backup mode ' +
          'with this server, or one that honours If-None-Match.',
        { details: { key } },
      );
    }
  } finally {
    await remote.delete(key, signal).catch(() => {}); // a leftover probe key is harmless
  }
}
