// idb and the engine use the IndexedDB globals (IDBRequest, IDBKeyRange…);
// fake-indexeddb/auto provides them in Node. Each test still opens its own
// IDBFactory, so tests never share data.
import 'fake-indexeddb/auto';
