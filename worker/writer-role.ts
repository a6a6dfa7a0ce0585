import { locksExcludeOtherTabs, withDeviceLock } from './device-lock.js';

/**
 * The store's write role: at most one tab of a device holds it, a lock kept
 * for as long as no other tab asks for it. It saves the holder the read of
 * the journal's tail before each append, one IndexedDB round trip of an
 * awaited commit's two.
 *
 * Tabs without the role still commit at any time: they read the tail, as
 * every write did before, so a frozen holder never blocks them. The holder
 * appends at its last seq + 1 unread; if a tab without the role wrote there
 * meanwhile, the `add` fails on the existing key and the batch is written
 * again after a read. That catch needs the key to still exist, hence the
 * rule on trimming: a tab without the role never trims the journal, and the
 * holder trims only through its own seq, behind anything it could miss.
 * Other journal writes (an import or a hydration) only write into an empty
 * database, which no holder's append has touched.
 */
export class WriterRole {
  private held = false;
  private requested = false;
  private release: (() => void) | undefined;
  private closed = false;
  /** The last seq this engine appended while holding the role, or -1: the tail, unless others wrote since. */
  private tail = -1;
  private readonly asks: BroadcastChannel | undefined;

  /** The role for `storeName`, or undefined where no lock can exclude other tabs (every write then reads). */
  static open(storeName: string, device: object): WriterRole | undefined {
    return locksExcludeOtherTabs() ? new WriterRole(`tidemark:${storeName}:writer`, device) : undefined;
  }

  private constructor(private readonly lockName: string, private readonly device: object) {
    if (typeof BroadcastChannel !== 'function') return;
    this.asks = new BroadcastChannel(lockName);
    (this.asks as { unref?: () => void }).unref?.(); // Node: an open channel must not keep a finished script alive
    this.asks.onmessage = () => this.letGo();
  }

  /** True when a batch may be appended at `seq + 1` without reading the tail first. */
  knowsTail(seq: number): boolean {
    return this.held && this.tail === seq;
  }

  /** Asks for the role before a write, unless held: the holder lets go, and the request is granted next. */
  want(): void {
    if (this.held || this.requested || this.closed) return;
    this.requested = true;
    this.ask();
    withDeviceLock(this.lockName, () => new Promise<void>((release) => {
      this.requested = false;
      if (this.closed) return release();
      this.held = true;
      this.tail = -1; // others wrote while we waited: the first append reads
      this.release = release;
    }), this.device).catch(() => {
      this.requested = false;
      this.held = false;
    });
  }

  /** Asks the holder to let go, and again while the request waits: an ask that came before its grant goes unheard. */
  private ask(): void {
    if (!this.requested || this.closed || !this.asks) return;
    this.asks.postMessage('want');
    const again = setTimeout(() => this.ask(), ASK_AGAIN_MS);
    (again as { unref?: () => void }).unref?.(); // Node: a script waiting on nothing else must still exit
  }

  /** An append through `seq` completed. */
  appended(seq: number): void {
    if (this.held) this.tail = seq;
  }

  /** How far a checkpoint may trim the journal, for a snapshot at `seq`. */
  trimLimit(seq: number): number {
    return this.held ? seq : 0;
  }

  close(): void {
    this.closed = true;
    this.letGo();
    this.asks?.close();
  }

  private letGo(): void {
    this.held = false;
    this.tail = -1;
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

/** How often a tab waiting for the role asks again. */
const ASK_AGAIN_MS = 250;
