// The demo's store, imported by both the page (demo/main.ts) and the worker
// (demo/todos.worker.ts), so the reducers run on both sides.
import { defineStore } from 'tidemark';

export interface Todo {
  text: string;
  done: boolean;
}

export interface TodosState {
  /** The todos by id, in the order they were added. */
  items: Record<string, Todo>;
  /** Bumped by the inspector's "Add 10 000 events": cheap events for the stress test. */
  bumps: number;
}

/** Reducers ignore ids that no longer exist: another tab may have deleted the todo first. */
function updateItem(state: TodosState, id: string, update: (todo: Todo) => Todo): TodosState {
  const todo = state.items[id];
  return todo ? { ...state, items: { ...state.items, [id]: update(todo) } } : state;
}

export const todos = defineStore({
  name: 'tidemark-demo-todos',
  version: 1,
  initial: (): TodosState => ({ items: {}, bumps: 0 }),
  events: {
    added: (s, e: { id: string; text: string }) => ({ ...s, items: { ...s.items, [e.id]: { text: e.text, done: false } } }),
    edited: (s, e: { id: string; text: string }) => updateItem(s, e.id, (todo) => ({ ...todo, text: e.text })),
    toggled: (s, e: { id: string }) => updateItem(s, e.id, (todo) => ({ ...todo, done: !todo.done })),
    removed: (s, e: { id: string }) => {
      const { [e.id]: _removed, ...items } = s.items;
      return { ...s, items };
    },
    completedCleared: (s) => ({ ...s, items: Object.fromEntries(Object.entries(s.items).filter(([, todo]) => !todo.done)) }),
    bumped: (s) => ({ ...s, bumps: s.bumps + 1 }),
  },
  // A snapshot every 500 events (at most one per 10 s), or every minute if anything changed.
  checkpoint: { everyEvents: 500, everyMs: 60_000, cooldownMs: 10_000 },
  retention: { snapshots: 5 },
});

export type TodosStore = typeof todos;
