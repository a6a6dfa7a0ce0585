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
export { memoryRemote } from './remote/memory-remote.js';
export type { MemoryRemote, MemoryRemoteOptions } from './remote/memory-remote.js';
export { faultyRemote } from './remote/faulty-remote.js';
export type { RemoteCall, RemoteFaultInjection } from './remote/faulty-remote.js';
export { RemoteFault } from './remote/remote.js';
export type { ListOptions, Remote, RemoteFaultKind, RemotePolicy } from './remote/remote.js';
export { importBackup } from './backup/import-file.js';
export type { ImportBackupOptions } from './backup/import-file.js';
