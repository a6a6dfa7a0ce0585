// The inspector's activity list: what the buttons did and what the store answered.
import { clock } from './format';

export type Tone = 'info' | 'good' | 'warn';

export interface ActivityLog {
  add(text: string, tone?: Tone): void;
}

export function createActivityLog(list: HTMLOListElement, keep = 8): ActivityLog {
  return {
    add(text, tone = 'info') {
      const item = document.createElement('li');
      item.className = tone;
      const time = document.createElement('time');
      time.textContent = clock(Date.now());
      item.append(time, ` ${text}`);
      list.prepend(item);
      while (list.children.length > keep) list.lastElementChild?.remove();
    },
  };
}
