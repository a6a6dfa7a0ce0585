import type { LoadedState } from './load.js';

/**
 * The engine's confirmed state and its seq. A load that replayed nothing
 * leaves the snapshot's JSON unparsed: pages are sent that JSON at once and
 * parse it while the worker does, in the next task (`parseSoon`) or when a
 * commit needs the object first. The JSON is also kept while it matches the
 * seq, so a second page is not sent a fresh `JSON.stringify`.
 */
export class ConfirmedState {
  seq = 0;
  /** How many times the state was replaced since it was loaded: 0 while it is the load's. */
  generation = 0;
  private value: unknown;
  private unparsed: string | null = null;
  private json: { seq: number; text: string } | null = null;

  constructor(loaded: LoadedState) {
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

  /** The state object (parsed now if the load left it as JSON). */
  get(): unknown {
    if (this.unparsed !== null) {
      this.value = JSON.parse(this.unparsed);
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

  /** Parses a state left as JSON in a task of its own, after the hello that sends it has gone. */
  parseSoon(): void {
    if (this.unparsed !== null) setTimeout(() => this.get(), 0);
  }
}
