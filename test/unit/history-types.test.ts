import { describe, expectTypeOf, test } from 'vitest';
import type { ClientStoreOf, HistoryPage, ImportResult, RewindResult, SnapshotInfo, StateOf, VerifyResult } from 'tidemark';
import type { importBackup } from 'tidemark/worker';
import { todoStore } from './fixtures.js';

type Def = ReturnType<typeof todoStore>;
type Store = ClientStoreOf<Def>;

describe('history types', () => {
  test("stateAt resolves to the store's state type, and the other history methods to their result types", () => {
    expectTypeOf<ReturnType<Store['stateAt']>>().toEqualTypeOf<Promise<StateOf<Def>>>();
    expectTypeOf<ReturnType<Store['history']>>().toEqualTypeOf<Promise<HistoryPage>>();
    expectTypeOf<ReturnType<Store['verify']>>().toEqualTypeOf<Promise<VerifyResult>>();
    expectTypeOf<ReturnType<Store['rewind']>>().toEqualTypeOf<Promise<RewindResult>>();
    expectTypeOf<ReturnType<Store['rewinds']>>().toEqualTypeOf<Promise<SnapshotInfo[]>>();
    expectTypeOf<ReturnType<Store['exportBackup']>>().toEqualTypeOf<Promise<Blob>>();
    expectTypeOf<ReturnType<Store['importBackup']>>().toEqualTypeOf<Promise<ImportResult>>();
    expectTypeOf<Parameters<typeof importBackup<StateOf<Def>, Def['events']>>[0]>().toEqualTypeOf<Def>();
    const wrongSeq = (store: Store) =>
      // @ts-expect-error a seq is a number
      store.stateAt('3');
    expectTypeOf(wrongSeq).toBeFunction();
  });
});
