import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import { connectStore, type ClientStoreOf, type StateOf } from 'tidemark';
import { serveStore } from 'tidemark/worker';
import { useSaveStatus, useStore, type SaveStatus } from 'tidemark/react';
import { freshIndexedDB, open, todoStore } from './fixtures.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type TodoDefinition = ReturnType<typeof todoStore>;

/** openStore's store: the engine on this thread. */
async function sameThread(def: TodoDefinition) {
  const store = await open(def, freshIndexedDB());
  cleanups.push(() => store.close());
  return store;
}

/** connectStore's store, over a MessageChannel to a served engine. */
async function onPage(def: TodoDefinition) {
  const channel = new MessageChannel();
  const served = serveStore(def, { endpoint: channel.port2, indexedDB: freshIndexedDB(), broadcast: false });
  const store = await connectStore(def, channel.port1, { checkpointOnHide: false });
  cleanups.push(async () => {
    await store.close();
    await served.close();
    channel.port1.close();
    channel.port2.close();
  });
  return store;
}

describe.each([
  ['openStore', sameThread],
  ['connectStore', onPage],
] as const)('subscribe with a selector, on the store of %s', (_name, openIt) => {
  test('calls the listener with the new and previous slice only when the slice changes', async () => {
    const store = await openIt(todoStore());
    const seen: Array<[number, number]> = [];
    store.subscribe(
      (state) => state.count,
      (count, previous) => seen.push([count, previous]),
    );
    await store.commit({ type: 'incremented', by: 2 });
    await store.commit({ type: 'added', id: 'a', text: 'milk' }); // another slice
    await store.commit({ type: 'incremented', by: 0 }); // same count
    await store.commit({ type: 'incremented', by: 3 });
    expect(seen).toEqual([
      [2, 0],
      [5, 2],
    ]);
  });

  test('uses isEqual to tell slices apart, and unsubscribes with the function it returns', async () => {
    const store = await openIt(todoStore());
    const seen: string[][] = [];
    const off = store.subscribe(
      (state) => Object.keys(state.items), // a new array every time
      (ids) => seen.push(ids),
      (a, b) => a.join() === b.join(),
    );
    await store.commit({ type: 'added', id: 'a', text: 'milk' });
    await store.commit({ type: 'toggled', id: 'a' }); // same ids
    await store.commit({ type: 'incremented', by: 1 });
    off();
    await store.commit({ type: 'added', id: 'b', text: 'eggs' });
    expect(seen).toEqual([['a']]);
  });

  test('keeps the plain form: the listener hears every change with the whole state', async () => {
    const store = await openIt(todoStore());
    const counts: number[] = [];
    store.subscribe((state, previous) => counts.push(state.count - previous.count));
    await store.commit({ type: 'incremented', by: 4 });
    expect(counts).toContain(4);
  });
});

describe('subscribe on the page store', () => {
  test('tells listeners of a commit with pendingCommits already up, and again once it is durable', async () => {
    const store = await onPage(todoStore());
    const seen: Array<[number, number]> = [];
    store.subscribe((state) => seen.push([state.count, store.pendingCommits]));
    await store.commit({ type: 'incremented', by: 1 });
    expect(seen[0]).toEqual([1, 1]); // the optimistic change, pending
    expect(seen[seen.length - 1]).toEqual([1, 0]); // saved
  });
});

describe('the types of subscribe and useStore', () => {
  test('the selector form infers the slice type from the selector', async () => {
    const store = await sameThread(todoStore());
    store.subscribe(
      (state) => state.count,
      (count, previous) => {
        expectTypeOf(count).toEqualTypeOf<number>();
        expectTypeOf(previous).toEqualTypeOf<number>();
      },
    );
    // @ts-expect-error the equality function compares slices, not states
    store.subscribe((state) => state.count, () => {}, (a: { count: number }, b: { count: number }) => a === b);
  });

  test('useStore gives the state or the selected slice, typed from the store, and useSaveStatus a SaveStatus', () => {
    // Type-checked only: hooks run inside React components (see test/browser/react.test.ts).
    const component = (store: ClientStoreOf<TodoDefinition>) => {
      expectTypeOf(useStore(store)).toEqualTypeOf<StateOf<TodoDefinition>>();
      expectTypeOf(useStore(store, (s) => s.count)).toEqualTypeOf<number>();
      expectTypeOf(useStore(store, (s) => Object.keys(s.items), (a, b) => a.join() === b.join())).toEqualTypeOf<string[]>();
      expectTypeOf(useSaveStatus(store)).toEqualTypeOf<SaveStatus>();
      // @ts-expect-error the selector reads the store's state, which has no `missing`
      useStore(store, (s) => s.missing);
    };
    expectTypeOf(component).toBeFunction();
  });
});
