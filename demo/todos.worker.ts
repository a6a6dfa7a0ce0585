// The demo's worker: it owns the IndexedDB journal and snapshots of the todos
// store, and backs them up to (or, with `npm run demo -- --sync`, syncs them
// through) the local S3 bucket `npm run demo` starts, if any.
import { s3Remote } from 'tidemark/s3';
import { serveStore } from 'tidemark/worker';
import { todos } from './todos.store';

// Set by scripts/demo.mjs. A throwaway local server's test keys: a real app
// fetches temporary credentials from its own auth instead (see the README).
const demoBucket = import.meta.env.VITE_TIDEMARK_DEMO_S3 as string | undefined;

serveStore(todos, demoBucket ? { remote: s3Remote({ ...demoBackup(demoBucket), prefix: 'demo/todos', uploadDelayMs: 300 }) } : {});

function demoBackup(json: string) {
  const { endpoint, bucket, accessKeyId, secretAccessKey, region, mode } = JSON.parse(json) as Record<string, string>;
  return {
    endpoint: endpoint!,
    bucket: bucket!,
    credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, region: region! },
    mode: mode === 'sync' ? ('sync' as const) : ('backup' as const),
  };
}
