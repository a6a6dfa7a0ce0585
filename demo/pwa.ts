// The demo as an installable, offline app: in a production build, register
// the service worker that precaches the app (demo/sw.ts). In dev mode, remove
// any service worker a production build left on this origin, so the dev
// server's files are never shadowed by a stale cache.

/** What `registerServiceWorker` reports. */
export interface ServiceWorkerHooks {
  /** A new build is installed and waits for this page; call `activate` to switch to it now (the page reloads). */
  onUpdateReady(activate: () => void): void;
}

/** Registers /sw.js in a production build; unregisters leftovers in dev. Never throws. */
export async function registerServiceWorker(hooks: ServiceWorkerHooks): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  if (!import.meta.env.PROD) {
    const stale = await navigator.serviceWorker.getRegistrations();
    await Promise.all(stale.map((registration) => registration.unregister()));
    if (stale.length > 0 && navigator.serviceWorker.controller) location.reload(); // this load came from the old cache
    return;
  }
  const registration = await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
  const offer = (waiting: ServiceWorker) =>
    hooks.onUpdateReady(() => {
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      waiting.postMessage('skip-waiting');
    });
  // Only an update waits: the first install has no page of an older build to protect.
  if (registration.waiting && navigator.serviceWorker.controller) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'installed' && navigator.serviceWorker.controller) offer(installing);
    });
  });
}
