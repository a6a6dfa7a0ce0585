// The page side of the smoke page: starts the module worker (bundled by Vite)
// and, once it answers, publishes its API as window.smoke for the test.
import type { SmokeApi } from './smoke.worker';

export type { SmokeApi, SmokeRecord } from './smoke.worker';

export interface SmokePage {
  /** The worker's API; each call is a message answered by one with its id. */
  worker: { [M in keyof SmokeApi]: (...args: Parameters<SmokeApi[M]>) => Promise<Awaited<ReturnType<SmokeApi[M]>>> };
  /** `import.meta.env.MODE` and `.PROD` of the build serving this page. */
  env: { mode: string; prod: boolean };
}

/** The page's window, as the test sees it inside `page.evaluate`. */
export interface SmokeWindow {
  smoke: SmokePage;
}

const thread = new Worker(new URL('./smoke.worker.ts', import.meta.url), { type: 'module' });
const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let lastId = 0;
thread.onmessage = (event: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
  const { id, value, error } = event.data;
  const call = waiting.get(id);
  waiting.delete(id);
  if (error === undefined) call?.resolve(value);
  else call?.reject(new Error(error));
};
const call = (method: keyof SmokeApi) => (...args: unknown[]) =>
  new Promise((resolve, reject) => {
    waiting.set(++lastId, { resolve, reject });
    thread.postMessage({ id: lastId, method, args });
  });
const worker = { scope: call('scope'), put: call('put'), get: call('get'), count: call('count') } as SmokePage['worker'];
await worker.scope();
(window as unknown as SmokeWindow).smoke = { worker, env: { mode: import.meta.env.MODE, prod: import.meta.env.PROD } };
