import { serveStore } from 'tidemark/worker';
import { counters } from './react.store';

serveStore(counters);
