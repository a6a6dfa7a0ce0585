import { fromWireError, type WireError } from './error-transfer.js';
import type { PageMessage, WorkerApi } from './protocol.js';

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * The page's calls to its worker: each is a `call` message with an id, and
 * settles when the `answer` with that id comes back. Id 0 is the hello.
 */
export class Calls {
  private last = 0;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly send: (message: PageMessage) => void) {}

  /** The answer to call `id`, once it comes. */
  answer(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  call<M extends keyof WorkerApi>(method: M, ...args: Parameters<WorkerApi[M]>): ReturnType<WorkerApi[M]> {
    const id = ++this.last;
    const answered = this.answer(id);
    this.send({ type: 'call', id, method, args } as PageMessage);
    return answered as ReturnType<WorkerApi[M]>;
  }

  /** Settles the call an `answer` message is for. */
  answered(message: { id: number; value: unknown } | { id: number; error: WireError }): void {
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if ('error' in message) waiting?.reject(fromWireError(message.error));
    else waiting?.resolve(message.value);
  }

  /** Rejects every call not answered yet (the worker is gone, or the page closed the store). */
  failAll(error: unknown): void {
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}
