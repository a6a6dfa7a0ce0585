// The worker of the engine page: serves the store the page named in the
// Worker's `name` (a JSON EngineStoreConfig), so each test can use a store of
// its own, or an older build of it, optionally over a faulty IndexedDB, or
// with a second copy in the Origin Private File System.
import { faultyIndexedDB } from 'tidemark/testing';
import { opfsRemote, serveStore } from 'tidemark/worker';
import { engineStore, type EngineStoreConfig } from './engine.store';

const config = JSON.parse(self.name) as EngineStoreConfig;
serveStore(engineStore(config), {
  ...(config.faults && { indexedDB: faultyIndexedDB(config.faults) }),
  ...(config.localCopy && {
    remote: opfsRemote({ store: config.name, ...config.localCopyPolicy }),
  }),
});
