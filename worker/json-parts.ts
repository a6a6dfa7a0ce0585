// A state's JSON in parts, so a checkpoint can serialise a large state a few
// milliseconds at a time with commits in between, instead of in one
// JSON.stringify of the whole (~100 ms for 10 MB). The parts joined are
// exactly JSON.stringify(value, replacer): a large object or array (the
// state, or a collection in it) is written a group of entries at a time,
// each group by JSON.stringify of a container holding just those entries.

/** A JSON.stringify replacer. */
export type Replacer = (this: unknown, key: string, value: unknown) => unknown;

/** Entries per part: ~100–300 KB of JSON for typical items, a few ms to write. */
export const PART_ENTRIES = 2000;

/**
 * The JSON of `value` as parts, in order. The state's own entries and, one
 * level down, those of a collection larger than PART_ENTRIES are grouped;
 * anything else is one JSON.stringify. Throws what JSON.stringify with
 * `replacer` throws, at the part where it meets the value.
 */
export function* jsonParts(value: unknown, replacer: Replacer): Generator<string> {
  yield* partsOf(value, entryKeys(value), replacer, 0);
}

/** jsonParts of `value`, whose entryKeys are `keys`. */
function* partsOf(value: unknown, keys: string[] | undefined, replacer: Replacer, depth: number): Generator<string> {
  if (!keys || (depth > 0 && keys.length <= PART_ENTRIES)) {
    yield JSON.stringify(value, replacer);
    return;
  }
  const isArray = Array.isArray(value);
  const container = value as Record<string, unknown>;
  yield isArray ? '[' : '{';
  let written = false;
  let from = 0; // the group: keys[from, to)
  const group = function* (to: number): Generator<string> {
    if (to === from) return;
    const part = isArray ? (value as unknown[]).slice(from, to) : pick(container, keys, from, to);
    yield `${written ? ',' : ''}${JSON.stringify(part, replacer).slice(1, -1)}`;
    written = true;
    from = to;
  };
  for (let i = 0; i < keys.length; i++) {
    const childKeys = depth === 0 ? entryKeys(container[keys[i]!]) : undefined;
    if (childKeys && childKeys.length > PART_ENTRIES) {
      yield* group(i);
      yield `${written ? ',' : ''}${isArray ? '' : `${JSON.stringify(keys[i])}:`}`;
      yield* partsOf(container[keys[i]!], childKeys, replacer, depth + 1);
      written = true;
      from = i + 1;
    } else if (i + 1 - from === PART_ENTRIES) {
      yield* group(i + 1);
    }
  }
  yield* group(keys.length);
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
