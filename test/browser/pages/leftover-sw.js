// A service worker that a test registers on the dev server's origin, as a
// production build or another app on the same port would leave one there.
self.addEventListener('fetch', () => {});
