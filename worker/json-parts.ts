// A state's JSON in parts, so a checkpoint can serialise a large state a few
// milliseconds at a time with commits in between, instead of in one
// JSON.stringify of the whole (~100 ms for 10 MB). The parts joined are
// exactly JSON.stringify(value, replacer). The walk goes down the state's
// first levels one entry at a time; below them, and for any object or array
// with many entries, JSON.stringify writes a group of entries at a time (a
// container holding just those entries), so no part is the whole of a large
// collection, whether the state is flat ({ items: {100k} }) or a tree.

/** A JSON.stringify replacer. */
export type Replacer = (this: unknown, key: string, value: unknown) => unknown;

/** Entries per part of a large object or array: ~100–300 KB of JSON for typical items, a few ms to write. */
export const PART_ENTRIES = 2000;

/** Levels walked one entry at a time; below them a value is one JSON.stringify, unless it is large. */
export const WALKED_LEVELS = 3;

/**
 * The JSON of `value` as parts, in order. Throws what JSON.stringify with
 * `replacer` throws, at the part where it meets the value. The replacer must
 * return plain objects and arrays as they are (as a checking one does): the
 * walk writes those itself.
 */
export function* jsonParts(value: unknown, replacer: Replacer): Generator<string> {
  yield* partsOf(value, entryKeys(value), replacer, 0);
}

/** jsonParts of `value`, whose entryKeys are `keys`, `depth` levels down. */
function* partsOf(value: unknown, keys: string[] | undefined, replacer: Replacer, depth: number): Generator<string> {
  if (!keys || (keys.length <= PART_ENTRIES && depth >= WALKED_LEVELS)) {
    yield JSON.stringify(value, replacer);
    return;
  }
  const isArray = Array.isArray(value);
  const container = value as Record<string, unknown>;
  yield isArray ? '[' : '{';
  if (keys.length > PART_ENTRIES) {
    for (let from = 0; from < keys.length; from += PART_ENTRIES) {
      const to = Math.min(from + PART_ENTRIES, keys.length);
      const part = isArray ? (value as unknown[]).slice(from, to) : pick(container, keys, from, to);
      yield `${from > 0 ? ',' : ''}${JSON.stringify(part, replacer).slice(1, -1)}`;
    }
  } else {
    let written = false;
    for (const key of keys) {
      const child = container[key];
      const head = `${written ? ',' : ''}${isArray ? '' : `${JSON.stringify(key)}:`}`;
      const childKeys = entryKeys(child);
      if (childKeys) {
        yield head;
        yield* partsOf(child, childKeys, replacer, depth + 1);
      } else {
        const json = JSON.stringify(child, replacer) as string | undefined;
        // What JSON has no form of (undefined, a function): left out of an object, null in an array.
        if (json === undefined && !isArray) continue;
        yield `${head}${json ?? 'null'}`;
      }
      written = true;
    }
  }
  yield isArray ? ']' : '}';
}

/** The keys of a plain object, or the indexes of an array, in JSON's order; undefined for anything else. */
function entryKeys(value: unknown): string[] | undefined {
  // Not plain (a Map, a class instance) or with a toJSON: one JSON.stringify, whose replacer says what to do.
  if (typeof value !== 'object' || value === null || 'toJSON' in value) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return proto === Array.prototype ? Array.from(value.keys(), String) : undefined;
  return proto === Object.prototype || proto === null ? Object.keys(value) : undefined;
}

/**
 * An object with the entries keys[from, to) of `source`, in that order.
 * Without a prototype, so an own "__proto__" key stays a key.
 */
function pick(source: Record<string, unknown>, keys: string[], from: number, to: number): Record<string, unknown> {
  const part: Record<string, unknown> = Object.create(null);
  for (let i = from; i < to; i++) part[keys[i]!] = source[keys[i]!];
  return part;
}
