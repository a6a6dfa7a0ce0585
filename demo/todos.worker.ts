// The demo's worker: it owns the IndexedDB journal and snapshots of the todos store.
import { serveStore } from 'tidemark/worker';
import { todos } from './todos.store';

serveStore(todos);
