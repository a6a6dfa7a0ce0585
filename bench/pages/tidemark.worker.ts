// The worker of the tidemark benchmark: the two lines an app writes
// (serveStore of a store definition), serving the store the page named in
// the Worker's `name` (a JSON BenchStoreConfig).
//
// With `lazy`, it first says `{ booted: true }` and waits for `{ start: true }`
// before serveStore opens the database, so the page can time a load from
// connectStore to ready without the module fetch from the dev server.
import { s3Remote } from 'tidemark/s3';
import { serveStore, type ServeStoreOptions } from 'tidemark/worker';
import { benchStore, type BenchStoreConfig } from './tidemark.store';

const config = JSON.parse(self.name) as BenchStoreConfig;
const options: ServeStoreOptions = {};
if (config.s3) {
  const { endpoint, bucket, prefix, accessKeyId, secretAccessKey, region } = config.s3;
  options.remote = s3Remote({
    endpoint, bucket, prefix, credentials: { accessKeyId, secretAccessKey, region },
    // Uploads start when the page asks (whenUploaded), so the bench times the upload alone.
    uploadDelayMs: 3_600_000,
    // The device's 10000 commits after its one snapshot would reach the default threshold
    // exactly and force a checkpoint of the 10 MB state first (a real device has local
    // snapshots every 1000 events to cut at): the rows time uploading, checkpoints have theirs.
    snapshotEveryCommits: 1_000_000,
  });
}

if (config.lazy) {
  const onStart = (event: MessageEvent<{ start?: boolean }>) => {
    if (!event.data?.start) return;
    self.removeEventListener('message', onStart);
    serveStore(benchStore(config), options);
  };
  self.addEventListener('message', onStart);
  self.postMessage({ booted: true });
} else {
  serveStore(benchStore(config), options);
}
