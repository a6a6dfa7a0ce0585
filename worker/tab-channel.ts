/**
 * Tells other tabs' workers that new commits exist, and hears of theirs,
 * over a BroadcastChannel named `tidemark:<store name>`. An announcement goes
 * in a task of its own: posting takes ~0.1 ms, which the page waiting for
 * its commit need not wait for, and batches written meanwhile share it.
 */
export class TabChannel {
  private readonly channel: BroadcastChannel;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private latest = 0;

  constructor(storeName: string, onNewerSeq: (seq: number) => void) {
    this.channel = new BroadcastChannel(`tidemark:${storeName}`);
    // In Node an open channel keeps the process alive: a script that is done must exit.
    (this.channel as { unref?: () => void }).unref?.();
    this.channel.onmessage = (message: MessageEvent<{ seq?: unknown }>) => {
      if (typeof message.data?.seq === 'number') onNewerSeq(message.data.seq);
    };
  }

  /** Announces that commits up to `seq` exist. */
  announce(seq: number): void {
    this.latest = seq;
    this.timer ??= setTimeout(() => this.flush(), 0);
  }

  /** Sends the last announcement now (e.g. before closing). */
  flush(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.channel.postMessage({ seq: this.latest });
  }

  close(): void {
    this.flush(); // the last commits too, before the channel closes
    this.channel.close();
  }
}
