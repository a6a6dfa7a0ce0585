// The page side of the smoke page: starts the module worker (bundled by Vite)
// and, once it answers, publishes its API as window.smoke for the test.
import { wrap, type Remote } from 'comlink';
import type { SmokeApi } from './smoke.worker';

export type { SmokeApi, SmokeRecord } from './smoke.worker';

export interface SmokePage {
  worker: Remote<SmokeApi>;
  /** `import.meta.env.MODE` and `.PROD` of the build serving this page. */
  env: { mode: string; prod: boolean };
}

/** The page's window, as the test sees it inside `page.evaluate`. */
export interface SmokeWindow {
  smoke: SmokePage;
}

const worker = wrap<SmokeApi>(new Worker(new URL('./smoke.worker.ts', import.meta.url), { type: 'module' }));
await worker.scope();
(window as unknown as SmokeWindow).smoke = { worker, env: { mode: import.meta.env.MODE, prod: import.meta.env.PROD } };
