import type { Reducers, StoreDefinition } from '../src/define-store.js';
import { parseUnparsed, type LoadedState, type Unparsed } from './load.js';

/**
 * The engine's confirmed state and its seq. A load that replayed nothing,
 * or gave the pages a draft, leaves the state unparsed (see
 * LoadedState.unparsed): pages start from that JSON at once while the worker
 * builds its own object, in the next task (`parseSoon`) or when a commit
 * needs it first. The JSON is also kept while it matches the seq, so a
 * second page is not sent a fresh `JSON.stringify`.
 */
export class ConfirmedState {
  seq = 0;
  /** How many times the state was replaced since it was loaded: 0 while it is the load's. */
  generation = 0;
  private value: unknown;
  private unparsed: Unparsed | null = null;
  private json: { seq: number; text: string } | null = null;

  constructor(
    private readonly def: StoreDefinition<unknown, Reducers<unknown>>,
    loaded: LoadedState,
  ) {
    this.adopt(loaded);
    this.generation = 0;
  }

  /** Starts over from a load. */
  adopt(loaded: LoadedState): void {
    this.generation++;
    this.value = loaded.state;
    this.unparsed = loaded.unparsed ?? null;
    this.seq = loaded.seq;
    this.json = loaded.stateJson === undefined ? null : { seq: loaded.seq, text: loaded.stateJson };
  }

  /**
   * The state object (built now if the load left it unparsed).
   * @throws TidemarkError `REDUCER_THREW` when a commit the load left unapplied throws here, every time it is asked
   */
  get(): unknown {
    if (this.unparsed !== null) {
      this.value = parseUnparsed(this.def, this.unparsed);
      this.unparsed = null;
    }
    return this.value;
  }

  set(value: unknown, seq: number): void {
    this.generation++;
    this.value = value;
    this.unparsed = null;
    this.seq = seq;
  }

  /** The state as JSON, as pages are sent it. */
  toJson(): string {
    if (this.json?.seq !== this.seq) this.json = { seq: this.seq, text: JSON.stringify(this.get()) };
    return this.json.text;
  }

  /** Builds a state the load left unparsed in a task of its own, after the hellos that send it have gone. */
  parseSoon(): void {
    if (this.unparsed === null) return;
    setTimeout(() => {
      try {
        this.get();
      } catch {
        // Left to whoever asks for the state next (a commit, a page's hello), which reports it.
      }
    });
  }
}
