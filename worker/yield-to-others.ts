// A yield to the event loop for long work in the worker (a checkpoint, a
// history replay), so commits' messages and transactions' events get a turn.

// Node's (the library's own types leave Node out).
const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
(channel.port1 as { unref?: () => void }).unref?.();

/**
 * Lets queued tasks run, then resolves. Through a MessageChannel: a chain of
 * `setTimeout(0)` is clamped to 4 ms a turn after five, which a checkpoint
 * yielding every few milliseconds would pay many times over. In Node,
 * through setImmediate: Node delivers a port's messages in one go, those
 * posted meanwhile too, so timers and I/O (fake-indexeddb's events) would
 * not run between slices.
 */
export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => {
    if (setImmediate) return void setImmediate(resolve);
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
