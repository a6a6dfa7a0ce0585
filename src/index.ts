// What the page imports: define a store, connect to its worker, handle errors.
export { defineStore, DEFAULT_CHECKPOINT, DEFAULT_RETENTION } from './define-store.js';
export type {
  CheckpointOptions,
  EventOf,
  EventsOf,
  MigrationStep,
  Reducer,
  Reducers,
  RetentionOptions,
  StateOf,
  StoreDefinition,
  StoreOptions,
} from './define-store.js';
export { connectStore } from './client.js';
export type { ClientStore, ClientStoreOf, ConnectOptions } from './client.js';
export type { Store } from './store.js';
export type { EqualityFn, SliceListener, StateListener, Subscribe } from './listeners.js';
export { TidemarkError, isTidemarkError } from './errors.js';
export type { DataLoss, DataLossPolicy } from './data-loss.js';
export type { TidemarkErrorCode, TidemarkErrorOptions } from './errors.js';
export { hashState } from './hash.js';
export { PROTOCOL_VERSION } from './protocol.js';
export type { Endpoint } from './protocol.js';
export type {
  CommitOptions,
  CommitRecord,
  CommitResult,
  HistoryOptions,
  HistoryPage,
  HistoryWindow,
  HydrationReport,
  ImportOptions,
  ImportResult,
  LoadReport,
  RemoteStatus,
  RestoreOptions,
  RestoreResult,
  ReplayDivergence,
  RewindResult,
  SnapshotInfo,
  SnapshotKind,
  StorageStats,
  StoreStats,
  StoredEvent,
  VerifyResult,
} from './types.js';
export { STATE_EVENT, RESERVED_EVENT_PREFIX } from './state-event.js';
export type { StateEvent } from './state-event.js';
