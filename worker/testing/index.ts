// `tidemark/testing`: helpers for an app's own tests of its error handling.
// A room of its own, apart from `tidemark/worker`, so production bundles
// never pull it in; it runs where IndexedDB runs (the worker, or Node).
export { faultyIndexedDB } from './faulty-indexeddb.js';
export type { FaultCounts, Faults, FaultyIndexedDB, FaultyIndexedDBOptions } from './faulty-indexeddb.js';
