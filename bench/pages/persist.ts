// What users pick instead, part two: the whole-state persist pattern of
// redux-persist and zustand's `persist` middleware. The state lives in
// memory; after each change all of it is written to one idb-keyval key.
//
// Two ways of writing it, both common:
// - JSON: `set(key, JSON.stringify({ state, version }))`, what zustand's
//   `createJSONStorage` and redux-persist do;
// - object: `set(key, state)`, IndexedDB structured-clones the object.
// Only the persist is timed (stringify + set until its transaction
// completes), not the state update itself, which any library pays.
import { createStore, set } from 'idb-keyval';
import { type BenchContext, type Row, type Suite, countLabel, makeEvent, median, rateRow, settle, time } from './harness';
import { RAW } from './raw-idb';

interface TodoState {
  items: Record<string, { text: string; done: boolean }>;
}

export const persist: Suite = {
  name: 'persist',
  async run(ctx) {
    const rows: Row[] = [];
    const { items, changes } = ctx.sizes.persist;
    for (const [k, size] of items.entries()) {
      rows.push(...(await persistAt(ctx, size, changes[k] ?? 5)));
      await settle();
    }
    // Table order: all JSON rows, then all object rows.
    return [...rows.filter((r) => r.name.includes('.json.')), ...rows.filter((r) => r.name.includes('.object.'))];
  },
};

function addItem(state: TodoState, i: number): void {
  const event = makeEvent(i);
  state.items[event.id] = { text: event.text, done: false };
}

async function persistAt(ctx: BenchContext, size: number, changes: number): Promise<Row[]> {
  const state: TodoState = { items: {} };
  for (let i = 0; i < size; i++) addItem(state, i);
  const stateBytes = JSON.stringify({ state, version: 0 }).length;
  const name = ctx.dbName(`persist-${size}`);
  const store = createStore(name, 'keyval');
  ctx.log(`whole-state persist: ${changes} changes at ${countLabel(size)} items (${(stateBytes / 1e6).toFixed(2)} MB JSON)`);

  const variants = {
    json: () => set('todos', JSON.stringify({ state, version: 0 }), store),
    object: () => set('todos', state, store),
  };
  await variants.json(); // warm up: opens the database
  await variants.object();
  let next = size;
  const ms: Record<keyof typeof variants, number[]> = { json: [], object: [] };
  for (let c = 0; c < changes; c++) {
    for (const variant of ['json', 'object'] as const) {
      addItem(state, next++);
      ms[variant].push(await time(variants[variant]));
    }
  }
  // idb-keyval never closes its connection; reach it through the store to let the delete finish.
  (await store('readonly', (objectStore) => objectStore.transaction.db)).close();
  await ctx.dropDatabase(name);

  const perChange = (samples: number[]) => samples.map((m) => 1000 / m);
  const common = { group: 'peer', n: changes, ref: RAW.perEventRelaxed, chart: true } as const;
  const note = (samples: number[]) =>
    `${median(samples).toFixed(2)} ms per change; state ${(stateBytes / 1e6).toFixed(2)} MB as JSON`;
  return [
    rateRow({ ...common, name: `persist.json.${countLabel(size)}`,
      label: `persist pattern, ${countLabel(size)} items: stringify + set`, note: note(ms.json) },
    perChange(ms.json)),
    rateRow({ ...common, name: `persist.object.${countLabel(size)}`,
      label: `persist pattern, ${countLabel(size)} items: set(object)`, note: note(ms.object) },
    perChange(ms.object)),
  ];
}
