// The todo app: a form to add, a list to toggle, edit inline and delete, and
// "clear completed". It reads the state and commits events; nothing else.
import type { EventsOf } from 'tidemark';
import type { TodosState, TodosStore } from './todos.store';

type TodoEvent = EventsOf<TodosStore>;

export interface TodoListOptions {
  /** Commits the events as one atomic commit (to the current store). */
  commit(...events: TodoEvent[]): void;
}

export interface TodoList {
  /** Shows `state`; cheap when the todos did not change. */
  render(state: TodosState): void;
  /** Enables the inputs once a store is connected. */
  setEnabled(enabled: boolean): void;
}

function newId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element as T;
}

export function mountTodoList({ commit }: TodoListOptions): TodoList {
  const form = byId<HTMLFormElement>('new-todo');
  const input = byId<HTMLInputElement>('new-todo-text');
  const list = byId<HTMLUListElement>('todo-list');
  const empty = byId<HTMLElement>('todo-empty');
  const left = byId<HTMLElement>('todo-count');
  const clearCompleted = byId<HTMLButtonElement>('clear-completed');
  const rows = new Map<string, HTMLLIElement>();
  let shown: TodosState['items'] | null = null;
  let editing: string | null = null;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (text) commit({ type: 'added', id: newId(), text });
    input.value = '';
  });
  clearCompleted.addEventListener('click', () => commit({ type: 'completedCleared' }));

  // One set of listeners on the list, finding the todo from the row.
  const idOf = (target: EventTarget | null): string | undefined =>
    (target as HTMLElement | null)?.closest<HTMLElement>('li.todo')?.dataset.id;

  list.addEventListener('change', (event) => {
    const id = idOf(event.target);
    if (id && (event.target as HTMLElement).matches('.toggle')) commit({ type: 'toggled', id });
  });
  list.addEventListener('click', (event) => {
    const id = idOf(event.target);
    if (id && (event.target as HTMLElement).matches('.remove')) commit({ type: 'removed', id });
  });
  list.addEventListener('dblclick', (event) => {
    const id = idOf(event.target);
    if (id && (event.target as HTMLElement).matches('.text')) startEditing(id);
  });
  list.addEventListener('keydown', (event) => {
    const id = idOf(event.target);
    if (id && event.key === 'Enter' && (event.target as HTMLElement).matches('.text')) startEditing(id);
  });

  function startEditing(id: string): void {
    const row = rows.get(id);
    const todo = shown?.[id];
    if (!row || !todo || editing) return;
    editing = id;
    const field = document.createElement('input');
    field.className = 'edit';
    field.value = todo.text;
    field.maxLength = 200;
    field.setAttribute('aria-label', 'Edit todo');
    let done = false;
    // Saves (an empty text deletes the todo) or cancels, and puts the text back.
    const finish = (save: boolean, refocus: boolean): void => {
      if (done) return;
      done = true;
      editing = null;
      const text = field.value.trim();
      const current = shown?.[id];
      if (save && current && text !== current.text) {
        commit(text ? { type: 'edited', id, text } : { type: 'removed', id });
      }
      const span = textOf(id, current?.text ?? todo.text);
      field.replaceWith(span);
      row.classList.remove('editing');
      if (refocus) span.focus();
      if (shown) renderItems(shown, true);
    };
    field.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true, true);
      else if (event.key === 'Escape') finish(false, true);
    });
    field.addEventListener('blur', () => finish(true, false));
    row.classList.add('editing');
    row.querySelector('.text')?.replaceWith(field);
    field.focus();
    field.select();
  }

  function textOf(id: string, text: string): HTMLSpanElement {
    const span = document.createElement('span');
    span.className = 'text';
    span.tabIndex = 0;
    span.title = 'Double-click to edit';
    span.textContent = text;
    span.dataset.id = id;
    return span;
  }

  function createRow(id: string, text: string): HTMLLIElement {
    const row = document.createElement('li');
    row.className = 'todo';
    row.dataset.id = id;
    const toggle = document.createElement('input');
    toggle.type = 'checkbox';
    toggle.className = 'toggle';
    toggle.setAttribute('aria-label', 'Done');
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.setAttribute('aria-label', 'Delete');
    remove.title = 'Delete';
    remove.textContent = '×';
    row.append(toggle, textOf(id, text), remove);
    return row;
  }

  // Keyed update: rows are reused, so a row being edited keeps its input and focus.
  function renderItems(items: TodosState['items'], force = false): void {
    if (items === shown && !force) return;
    shown = items;
    const entries = Object.entries(items);
    for (const [id, row] of rows) {
      if (!(id in items) && id !== editing) {
        row.remove();
        rows.delete(id);
      }
    }
    entries.forEach(([id, todo], index) => {
      let row = rows.get(id);
      if (!row) rows.set(id, (row = createRow(id, todo.text)));
      row.classList.toggle('done', todo.done);
      row.querySelector<HTMLInputElement>('.toggle')!.checked = todo.done;
      const text = row.querySelector<HTMLElement>('.text');
      if (text && text.textContent !== todo.text) text.textContent = todo.text;
      if (list.children[index] !== row) list.insertBefore(row, list.children[index] ?? null);
    });
    const remaining = entries.filter(([, todo]) => !todo.done).length;
    left.textContent = `${remaining} ${remaining === 1 ? 'item' : 'items'} left`;
    empty.hidden = entries.length > 0;
    clearCompleted.hidden = entries.length === remaining;
  }

  return {
    render: (state) => renderItems(state.items),
    setEnabled(enabled) {
      for (const control of form.elements) (control as HTMLInputElement).disabled = !enabled;
      clearCompleted.disabled = !enabled;
    },
  };
}
