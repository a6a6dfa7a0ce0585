import type { Reducers, StoreDefinition } from './define-store.js';
import { checkAndFreeze } from './dev-checks.js';
import { TidemarkError } from './errors.js';
import { findNotPlainData } from './plain-data.js';
import { isStateEvent, stateOf } from './state-event.js';

/** An event as it travels: a `type` and JSON-compatible fields. */
export interface AnyEvent {
  type: string;
}

/**
 * Checks that every event has a known type and is plain data.
 * @throws TidemarkError `UNKNOWN_EVENT` or `NOT_PLAIN_DATA`, naming the event index.
 */
export function validateEvents<S>(def: StoreDefinition<S, Reducers<S>>, events: readonly unknown[]): void {
  if (events.length === 0) {
    throw new TidemarkError('NOT_PLAIN_DATA', 'A commit needs at least one event: pass them as commit(event1, event2, …).');
  }
  events.forEach((event, index) => {
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !Object.hasOwn(def.events, type)) {
      const known = Object.keys(def.events).join(', ');
      throw new TidemarkError(
        'UNKNOWN_EVENT',
        `Event ${index} of the commit has type ${JSON.stringify(type)}, which store "${def.name}" has no reducer for ` +
          `(known: ${known}). Add a reducer to \`events\` in defineStore or fix the type.`,
        { details: { eventIndex: index, type } },
      );
    }
    const bad = findNotPlainData(event);
    if (bad) {
      throw new TidemarkError(
        'NOT_PLAIN_DATA',
        `Event ${index} ("${type}") holds ${bad.found} at ${bad.path || 'its root'}; events must be plain JSON data ` +
          '(null, booleans, finite numbers, strings, arrays, plain objects). Convert it, e.g. a Date to an ISO string.',
        { details: { eventIndex: index, type, path: bad.path, found: bad.found } },
      );
    }
  });
}

/**
 * Runs the events through the reducers, in order, and returns the new state.
 * The input state is not changed (reducers must not mutate it; with the
 * store's `devChecks` every state a reducer is given is deep-frozen first).
 * @throws TidemarkError `REDUCER_THREW` with the event index and the reducer's error as `cause`.
 */
export function applyEvents<S>(def: StoreDefinition<S, Reducers<S>>, state: S, events: readonly AnyEvent[]): S {
  let next = state;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as AnyEvent;
    // tidemark's built-in "the state becomes X" (a rewind or an import): no user reducer runs.
    if (isStateEvent(event)) {
      next = stateOf(event) as S;
      continue;
    }
    const reducer = def.events[event.type] as ((state: S, event: AnyEvent) => S) | undefined;
    if (!reducer) {
      throw new TidemarkError('UNKNOWN_EVENT', `Store "${def.name}" has no reducer for event type "${event.type}".`, {
        details: { eventIndex: index, type: event.type },
      });
    }
    // devChecks: each reducer gets a frozen state (only objects not frozen yet are walked), so a mutation throws.
    if (def.devChecks) checkAndFreeze(next);
    try {
      next = reducer(next, event);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      const frozen = def.devChecks && cause instanceof TypeError && Object.isFrozen(next);
      throw new TidemarkError(
        'REDUCER_THREW',
        `The reducer for "${event.type}" threw on event ${index} of the commit (${reason}). ` +
          'The whole commit was rejected and nothing was written; fix the event or the reducer.' +
          (frozen
            ? ' The state is frozen in development (devChecks): a reducer that changes the state it was given, ' +
              'instead of returning a new one, throws like this. Copy what you change ({ ...state, key: value }).'
            : ''),
        { cause, details: { eventIndex: index, type: event.type } },
      );
    }
  }
  return next;
}

/**
 * `applyEvents` for a new commit. With the store's `devChecks`, the state
 * the reducers are given is deep-frozen first (a mutation throws, so the
 * commit rejects with `REDUCER_THREW`) and the state they return must be
 * plain data, which is then frozen too.
 * @throws TidemarkError as applyEvents, or `NOT_PLAIN_DATA` with the path of the value in the new state.
 */
export function applyCommit<S>(def: StoreDefinition<S, Reducers<S>>, state: S, events: readonly AnyEvent[]): S {
  if (!def.devChecks) return applyEvents(def, state, events);
  const next = applyEvents(def, state, events);
  const bad = checkAndFreeze(next);
  if (bad) {
    const types = events.map((e) => `"${e.type}"`).join(', ');
    throw new TidemarkError(
      'NOT_PLAIN_DATA',
      `The commit of ${types} made a state that holds ${bad.found} at ${bad.path || 'its root'}, which a snapshot ` +
        'would not load back the same (JSON turns a Map into {}, a hole into null, drops undefined, writes -0 as 0). ' +
        'The commit was rejected and nothing was written; make the reducer return plain data ' +
        '(null, booleans, finite numbers, strings, arrays without holes, plain objects).',
      { details: { path: bad.path, found: bad.found, in: 'state' } },
    );
  }
  return next;
}
