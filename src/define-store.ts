import { isDevelopment } from './dev-checks.js';
import { TidemarkError } from './errors.js';
import { RESERVED_EVENT_PREFIX } from './state-event.js';

/** A reducer: a pure, deterministic function from a state and an event to the next state. */
export type Reducer<S> = (state: S, event: never) => S;

/** The reducers of a store, by event type. */
export type Reducers<S> = Record<string, Reducer<S>>;

type Flatten<T> = { [P in keyof T]: T[P] } & {};

/** The events a store accepts: `{ type, ...payload }` for each reducer. */
export type EventOf<R> = {
  [K in keyof R & string]: R[K] extends (state: never, event: infer E) => unknown
    ? unknown extends E
      ? { type: K }
      : Flatten<{ type: K } & Omit<E, 'type'>>
    : never;
}[keyof R & string];

/** When the worker writes a snapshot of the state. */
export interface CheckpointOptions {
  /**
   * Write a snapshot once this many events have been committed since the last one.
   * @default 1000
   */
  everyEvents?: number;
  /**
   * Write a snapshot once this much time has passed since the last one, if anything changed.
   * @default 300000 (5 minutes)
   */
  everyMs?: number;
  /**
   * Never write periodic snapshots closer together than this.
   * @default 10000
   */
  cooldownMs?: number;
}

/** How much history the database keeps. */
export interface RetentionOptions {
  /**
   * How many snapshots to keep. The journal is trimmed behind the oldest one,
   * so any state inside this window can be rebuilt.
   * @default 5
   */
  snapshots?: number;
  /**
   * How long the safety snapshot a `rewind()` (or a replacing
   * `importBackup`) writes is kept, whatever `snapshots` says, so the rewind
   * can itself be undone (`store.rewinds()`). The journal is still trimmed
   * behind the `snapshots` window: such a snapshot stands alone.
   * @default 1209600000 (14 days)
   */
  rewindMs?: number;
}

/** Brings data written by `version - 1` forward to `version`. */
export interface MigrationStep {
  /** Turns a state of the previous version into one of this version. Omit when the state shape did not change. */
  state?(previous: unknown): unknown;
  /**
   * Turns an event of the previous version into zero, one or several events of
   * this version. Omit when the event shapes did not change.
   */
  event?(previous: unknown): unknown;
}

/** What `defineStore` takes. */
export interface StoreOptions<S, R extends Reducers<S>> {
  /** The store's name; also the name of its IndexedDB database. */
  name: string;
  /**
   * The version of the state and event shapes. Raise it when they change and
   * add a step to `migrations`.
   * @default 1
   */
  version?: number;
  /** The state of a store that has never been written. */
  initial: () => S;
  /** The reducers, by event type. They run on the page and in the worker, so keep them pure. */
  events: R;
  /** When to write snapshots. */
  checkpoint?: CheckpointOptions;
  /** How many snapshots (and how much journal) to keep. */
  retention?: RetentionOptions;
  /** `migrations[v]` brings data of version `v - 1` to version `v`. */
  migrations?: Record<number, MigrationStep>;
  /**
   * Check every commit's resulting state, on the page and in the worker: it
   * must be plain data (else the commit rejects with `NOT_PLAIN_DATA` and the
   * path of the value), and it is deep-frozen, so a reducer that mutates the
   * state it was given throws at the mutation (`REDUCER_THREW`, the
   * `TypeError` as `cause`). Each commit pays for the objects its reducers
   * created; see "What runs in production" in the README.
   * @default true, unless `process.env.NODE_ENV` is `'production'` (as bundlers
   * set it in production builds) or cannot be read (unbundled browser code)
   */
  devChecks?: boolean;
}

/** A store definition: import the same one on the page and in the worker. */
export interface StoreDefinition<S, R extends Reducers<S> = Reducers<S>> {
  readonly name: string;
  readonly version: number;
  readonly initial: () => S;
  readonly events: R;
  readonly checkpoint: Required<CheckpointOptions>;
  readonly retention: Required<RetentionOptions>;
  readonly migrations: Readonly<Record<number, MigrationStep>>;
  /** Whether commits' states are checked and frozen (see StoreOptions.devChecks). */
  readonly devChecks: boolean;
}

/** The state type of a store definition. */
export type StateOf<D> = D extends StoreDefinition<infer S, Reducers<any>> ? S : never;
/** The event union of a store definition. */
export type EventsOf<D> = D extends StoreDefinition<any, infer R> ? EventOf<R> : never;

/** Default checkpoint policy: every 1000 events or 5 minutes, at most every 10 s. */
export const DEFAULT_CHECKPOINT: Required<CheckpointOptions> = {
  everyEvents: 1000,
  everyMs: 5 * 60_000,
  cooldownMs: 10_000,
};

/** Default retention: the last 5 snapshots, and rewind safety snapshots for 14 days. */
export const DEFAULT_RETENTION: Required<RetentionOptions> = { snapshots: 5, rewindMs: 14 * 24 * 60 * 60_000 };

/**
 * Defines a store: its name, version, initial state and reducers. The state
 * and event types are inferred from `initial` and `events`, and flow into
 * `connectStore` and `openStore`.
 *
 * @throws TidemarkError `INVALID_DEFINITION` when an option is out of range.
 */
export function defineStore<S, R extends Reducers<S>>(options: StoreOptions<S, R>): StoreDefinition<S, R> {
  const fail = (what: string): never => {
    throw new TidemarkError('INVALID_DEFINITION', `defineStore(${JSON.stringify(options.name)}): ${what}`);
  };
  if (typeof options.name !== 'string' || options.name === '') fail('`name` must be a non-empty string.');
  const version = options.version ?? 1;
  if (!Number.isInteger(version) || version < 1) fail('`version` must be a whole number ≥ 1.');
  if (typeof options.initial !== 'function') fail('`initial` must be a function returning the empty state.');
  if (typeof options.events !== 'object' || options.events === null) fail('`events` must map event types to reducers.');
  for (const [type, reducer] of Object.entries(options.events)) {
    if (typeof reducer !== 'function') fail(`the reducer for "${type}" is not a function.`);
    if (type.startsWith(RESERVED_EVENT_PREFIX)) fail(`event types starting with "${RESERVED_EVENT_PREFIX}" are tidemark's own; rename "${type}".`);
  }
  const checkpoint = { ...DEFAULT_CHECKPOINT, ...options.checkpoint };
  for (const [key, value] of Object.entries(checkpoint)) {
    if (!(value >= 0)) fail(`checkpoint.${key} must be a number ≥ 0.`);
  }
  const retention = { ...DEFAULT_RETENTION, ...options.retention };
  if (!Number.isInteger(retention.snapshots) || retention.snapshots < 1) {
    fail('retention.snapshots must be a whole number ≥ 1.');
  }
  if (!(retention.rewindMs >= 0)) fail('retention.rewindMs must be a number ≥ 0.');
  return Object.freeze({
    name: options.name,
    version,
    initial: options.initial,
    events: options.events,
    checkpoint,
    retention,
    migrations: options.migrations ?? {},
    devChecks: options.devChecks ?? isDevelopment(),
  });
}
