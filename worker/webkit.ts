/**
 * True in WebKit (Safari, WebKitGTK), whose IndexedDB needs two workarounds
 * in a worker that may be ended at any moment (terminate(), a closed tab):
 * see commit-now.ts and transaction-gate.ts. Told by the user agent, as
 * neither bug can be detected before it strikes.
 */
export const inWebKit: boolean = (() => {
  const ua = (globalThis.navigator as { userAgent?: string } | undefined)?.userAgent ?? '';
  return /AppleWebKit\//.test(ua) && !/(Chrome|Chromium)\//.test(ua);
})();
