// The worker of the remote page: serves the engine store named in the Worker's
// `name` (JSON: the store config and the bucket), backed up to S3 with s3Remote.
import { s3Remote } from 'tidemark/s3';
import { serveStore } from 'tidemark/worker';
import { engineStore } from './engine.store';
import type { RemotePageConfig } from './remote';

const config = JSON.parse(self.name) as RemotePageConfig;
const { endpoint, bucket, prefix, accessKeyId, secretAccessKey, region } = config.s3;
serveStore(engineStore(config.store), {
  remote: s3Remote({
    endpoint,
    bucket,
    prefix,
    credentials: { accessKeyId, secretAccessKey, region },
    uploadDelayMs: 0,
    maxBackoffMs: 500,
    ...(config.mode && { mode: config.mode }),
  }),
});
