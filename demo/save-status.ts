// The "saved" indicator: how many of this page's commits are not durable yet.
import { count } from './format';

export type SaveState = 'connecting' | 'saving' | 'saved';

/** Shows "Saving… 3" while commits are pending, "All changes saved" once they are durable. */
export function renderSaveStatus(element: HTMLElement, state: SaveState, pending = 0): void {
  const text =
    state === 'connecting' ? 'Connecting…' : state === 'saving' ? `Saving… ${count(pending)}` : 'All changes saved';
  if (element.textContent !== text) element.textContent = text;
  element.dataset.state = state;
}
