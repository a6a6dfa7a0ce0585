// What the engine uses of worker/remote, in one module it imports only when
// the store has a remote: a store without one never downloads this code.
export { hydrateIfEmpty } from './hydrate.js';
export { appendedSince, writeOutbox } from './outbox.js';
export { restoreAtSeq, restoreFromRemote } from './restore.js';
export { Syncer } from './syncer.js';
export { Uploader } from './uploader.js';
