// What runs inside the worker (or anywhere with IndexedDB): the engine.
export { serveStore } from './serve-store.js';
export type { ServeStoreOptions, ServedStore } from './serve-store.js';
export { openStore } from './open-store.js';
export type { OpenStoreOptions } from './open-store.js';
export { deleteStore } from './delete-store.js';
export type { DeleteStoreOptions } from './delete-store.js';
export type { EngineOptions } from './engine.js';
export { isCheckpointDue, msUntilCheckpoint } from './checkpoint-policy.js';
export type { CheckpointFacts } from './checkpoint-policy.js';
