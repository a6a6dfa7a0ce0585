import { inWebKit } from './webkit.js';

/**
 * Lets one IndexedDB transaction of this worker run at a time where the
 * browser needs it, and any number elsewhere.
 *
 * WebKit (bug 324094, WebKit pull request 73930, open): a worker that ends
 * while two of its transactions are in flight on a database can leave that
 * database unable to finish any transaction again, in any tab, until the
 * browser restarts; opening it still works. Measured with WebKitGTK 2.50: a
 * worker terminated while it committed and its uploader read the journal
 * left the next worker's load waiting forever in 2 to 3 runs of 10; a worker
 * that only committed (one transaction at a time) never did.
 */
export class TransactionGate {
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly oneAtATime: boolean = inWebKit) {}

  /**
   * Runs `work`: one transaction, resolving once it is over (`tx.done`).
   * It must not wait for other work of this gate, or both wait forever.
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (!this.oneAtATime) return work();
    const result = this.last.then(work, work);
    this.last = result.catch(() => {});
    return result;
  }
}
