import type { MigrationStep, Reducers, StoreDefinition } from '../src/define-store.js';
import { TidemarkError } from '../src/errors.js';
import type { StoredEvent } from '../src/types.js';
import { hashText } from '../src/hash.js';
import { isStateEvent, type StateEvent } from '../src/state-event.js';

type AnyDefinition = StoreDefinition<unknown, Reducers<unknown>>;

/** @throws TidemarkError `VERSION_AHEAD` when data is newer than the code. */
export function assertNotAhead(def: AnyDefinition, dataVersion: number, what: string): void {
  if (dataVersion > def.version) {
    throw new TidemarkError(
      'VERSION_AHEAD',
      `The ${what} of store "${def.name}" was written by version ${dataVersion}, but this code is version ${def.version}. ` +
        'Nothing was changed. Load the newer build of the app (e.g. reload the page) to open it.',
      { details: { dataVersion, codeVersion: def.version } },
    );
  }
}

/** The steps that bring data of `from` up to the definition's version, in order. */
function stepsFrom(def: AnyDefinition, from: number): Array<[number, MigrationStep]> {
  const steps: Array<[number, MigrationStep]> = [];
  for (let version = from + 1; version <= def.version; version++) {
    const step = def.migrations[version];
    if (!step) {
      throw new TidemarkError(
        'MIGRATION_MISSING',
        `Store "${def.name}" holds data of version ${from}, and the definition has no migrations[${version}] to bring it ` +
          `to version ${version}. Add that step to \`migrations\` in defineStore.`,
        { details: { from, missing: version } },
      );
    }
    steps.push([version, step]);
  }
  return steps;
}

function runStep<T>(def: AnyDefinition, version: number, what: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    throw new TidemarkError(
      'MIGRATION_FAILED',
      `migrations[${version}].${what} of store "${def.name}" threw (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Nothing was changed; fix the migration.',
      { cause, details: { version } },
    );
  }
}

/** Brings a state of version `from` to the definition's version. */
export function migrateState(def: AnyDefinition, state: unknown, from: number): unknown {
  let current = state;
  for (const [version, step] of stepsFrom(def, from)) {
    if (step.state) current = runStep(def, version, 'state', () => step.state!(current));
  }
  return current;
}

/**
 * Brings events of version `from` to the definition's version; a step may
 * split or drop events. tidemark's built-in state event (a rewind, an
 * import) holds a whole state: the steps' `state` functions carry it forward,
 * as they do a snapshot, and the user's `event` functions never see it.
 */
export function upcastEvents(def: AnyDefinition, events: StoredEvent[], from: number): StoredEvent[] {
  let current = events;
  for (const [version, step] of stepsFrom(def, from)) {
    if (!step.event && !step.state) continue;
    const upcast = step.event?.bind(step);
    current = current.flatMap((event) => {
      if (isStateEvent(event)) {
        if (!step.state) return [event];
        const json = JSON.stringify(runStep(def, version, 'state', () => step.state!(JSON.parse(event.json))));
        return [{ ...event, json, hash: hashText(json) } satisfies StateEvent as StoredEvent];
      }
      if (!upcast) return [event];
      const result = runStep(def, version, 'event', () => upcast(event));
      return (Array.isArray(result) ? result : result == null ? [] : [result]) as StoredEvent[];
    });
  }
  return current;
}
