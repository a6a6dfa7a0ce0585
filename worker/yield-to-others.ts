// A yield to the event loop for long work in the worker (a checkpoint, a
// history replay), so commits' messages and transactions' events get a turn.

const channel = typeof MessageChannel === 'function' ? new MessageChannel() : undefined;
const waiting: Array<() => void> = [];
if (channel) {
  channel.port1.onmessage = () => waiting.shift()?.();
  (channel.port1 as { unref?: () => void }).unref?.();
}

/**
 * Lets queued tasks run, then resolves. Through a MessageChannel: a chain of
 * `setTimeout(0)` is clamped to 4 ms a turn after five, which a checkpoint
 * yielding every few milliseconds would pay many times over.
 */
export function yieldToOthers(): Promise<void> {
  if (!channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
