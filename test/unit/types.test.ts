import { describe, expectTypeOf, test, expect } from 'vitest';
import { defineStore, type EventsOf, type StateOf, type ClientStore, type Store } from 'tidemark';
import { openStore } from 'tidemark/worker';
import { freshIndexedDB } from './fixtures.js';

const notes = defineStore({
  name: 'typed-notes',
  initial: () => ({ notes: [] as string[], cleared: 0 }),
  events: {
    written: (s, e: { text: string }) => ({ ...s, notes: [...s.notes, e.text] }),
    cleared: (s) => ({ notes: [], cleared: s.cleared + 1 }),
  },
});

describe('types flow from defineStore without a type argument', () => {
  test('state and events are inferred for the definition, openStore and connectStore', async () => {
    expectTypeOf<StateOf<typeof notes>>().toEqualTypeOf<{ notes: string[]; cleared: number }>();
    expectTypeOf<EventsOf<typeof notes>>().toEqualTypeOf<{ type: 'written'; text: string } | { type: 'cleared' }>();
    expectTypeOf<ClientStore<StateOf<typeof notes>, EventsOf<typeof notes>>['getState']>().returns.toEqualTypeOf<{
      notes: string[];
      cleared: number;
    }>();

    const store = await openStore(notes, { indexedDB: freshIndexedDB(), broadcast: false });
    expectTypeOf(store).toEqualTypeOf<Store<{ notes: string[]; cleared: number }, EventsOf<typeof notes>>>();
    await store.commit({ type: 'written', text: 'hello' }, { type: 'cleared' });
    // @ts-expect-error: a missing payload field
    void store.commit({ type: 'written' }).catch(() => {});
    // @ts-expect-error: a wrong payload type
    void store.commit({ type: 'written', text: 42 }).catch(() => {});
    // @ts-expect-error: an event type the store does not have
    void store.commit({ type: 'deleted' }).catch(() => {});
    expect(store.getState()).toEqual({ notes: [], cleared: 1 });
  });

  test('defineStore refuses an invalid definition with INVALID_DEFINITION', () => {
    expect(() => defineStore({ name: '', initial: () => 0, events: {} })).toThrow(expect.objectContaining({ code: 'INVALID_DEFINITION' }));
    expect(() => defineStore({ name: 'x', version: 0, initial: () => 0, events: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
    expect(() => defineStore({ name: 'x', initial: () => 0, events: {}, retention: { snapshots: 0 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
  });
});
