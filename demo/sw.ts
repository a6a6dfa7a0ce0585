// The demo's service worker: precaches every file of the production build at
// install and serves them from that cache, so after one visit the app loads
// and works with no network. Built into /sw.js by demo/service-worker-plugin.ts,
// which replaces PRECACHE with the build's file list and a hash of their bytes.
//
// Rules it keeps:
// - One cache per build, complete or absent: install fails unless every file
//   is fetched (a half-cached build would load a page without its worker).
// - A new build waits until no page of the old one is open (or the page asks,
//   see 'skip-waiting'): an open page may still start its worker from the old
//   cache, and page and worker of different builds refuse each other.
// - Only same-origin GETs of precached paths are answered; everything else
//   (the S3 backup, other pages of the origin) goes to the network untouched.

/** Filled in at build time. */
declare const PRECACHE: { version: string; files: string[] };

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly registration: { readonly scope: string };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  skipWaiting(): Promise<void>;
}

const sw = self as unknown as ServiceWorkerScope;
const CACHE_PREFIX = 'tidemark-demo-';
const cacheName = `${CACHE_PREFIX}${PRECACHE.version}`;
const scope = new URL(sw.registration.scope);
/** Precached URLs by pathname; the scope itself ('/') is the app's index.html. */
const precached = new Map(PRECACHE.files.map((file) => [new URL(file, scope).pathname, new URL(file, scope).href]));
precached.set(scope.pathname, new URL('index.html', scope).href);

sw.addEventListener('install', (event) => {
  // `reload`: straight from the server, never a stale copy from the HTTP cache.
  event.waitUntil(
    caches.open(cacheName).then((cache) => cache.addAll(PRECACHE.files.map((file) => new Request(new URL(file, scope), { cache: 'reload' })))),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== cacheName).map((name) => caches.delete(name)))),
  );
});

sw.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  const cached = url.origin === scope.origin && request.method === 'GET' ? precached.get(url.pathname) : undefined;
  if (!cached) return;
  event.respondWith(
    caches.open(cacheName).then(async (cache) => (await cache.match(cached)) ?? fetch(request)),
  );
});

// The page's "Update" button: take over now instead of when every old page is closed.
sw.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') void sw.skipWaiting();
});

export {}; // a module for the type checker; the plugin strips this line, as a classic service worker cannot export
