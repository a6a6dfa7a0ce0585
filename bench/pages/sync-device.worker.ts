// The worker of one sync bench device: the bench's count store, synced
// through the bucket the page names (JSON SyncDeviceConfig as the Worker's
// `name`), with sync mode's default timings (push 500 ms after a commit,
// polls every 2 s while active), as an app gets them.
import { s3Remote } from 'tidemark/s3';
import { serveStore } from 'tidemark/worker';
import type { SyncDeviceConfig } from './sync-device';
import { benchStore } from './tidemark.store';

const config = JSON.parse(self.name) as SyncDeviceConfig;
const { endpoint, bucket, prefix, accessKeyId, secretAccessKey, region } = config.s3;
serveStore(benchStore(config.store), {
  remote: s3Remote({ endpoint, bucket, prefix, credentials: { accessKeyId, secretAccessKey, region }, mode: 'sync' }),
});
