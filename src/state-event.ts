// tidemark's one built-in event: "the state becomes X". A rewind and an
// import that replaces a store are written as an ordinary commit holding
// it, so history stays append-only and every reader of the journal (other
// tabs, a reload, the remote's segments, a fresh device) replays it like any
// other commit, without a user reducer.

/** Event types starting with this are tidemark's own: `defineStore` refuses reducers named so. */
export const RESERVED_EVENT_PREFIX = '@tidemark/';

/** The type of the built-in "the state becomes X" event. */
export const STATE_EVENT = '@tidemark/state';

/**
 * The built-in event that replaces the whole state. The state travels as
 * its JSON text, so applying it is a `JSON.parse` — deterministic, and never
 * sharing objects with the event. `version` is the store version the JSON
 * was written at (migrations bring it forward like a snapshot); `hash` is
 * hashText of `json`, for the history view.
 */
export interface StateEvent {
  type: typeof STATE_EVENT;
  json: string;
  hash: string;
  /** What wrote it: `rewind(toSeq)`, `importBackup(…, { replace: true })` or `restoreFromRemote({ atSeq })`. */
  cause: 'rewind' | 'import' | 'restore';
  /** For a rewind or a restore: the seq whose state this is. */
  toSeq?: number;
}

/** True for tidemark's built-in state event. */
export function isStateEvent(event: { type: string }): event is StateEvent {
  return event.type === STATE_EVENT;
}

/** The state a state event sets: a fresh object each time. */
export function stateOf(event: StateEvent): unknown {
  return JSON.parse(event.json);
}
