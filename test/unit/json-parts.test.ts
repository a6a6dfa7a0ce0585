import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { jsonParts, PART_ENTRIES, type Replacer } from '../../worker/json-parts.js';
import { encodeState, decodeState } from '../../worker/snapshot-codec.js';
import { codeOf, random } from './fixtures.js';

const join = (value: unknown, replacer: Replacer = (_key, v) => v) => [...jsonParts(value, replacer)].join('');

/** A collection of `n` small items under keys of every kind JSON orders specially. */
function collection(n: number, seed: number): Record<string, unknown> {
  const next = random(seed);
  const items: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const key = i % 7 === 0 ? String(i) : i % 11 === 0 ? `é-${i}` : `id-${i}`; // integer-like keys come first in JSON
    items[key] = { text: `item ${i} ${next().toString(36)}`, done: next() < 0.5, tags: i % 5 ? [] : ['a', i] };
  }
  return items;
}

/** A tree `levels` deep with `fanout` branches at each level and a few items at each leaf. */
function tree(levels: number, fanout: number): unknown {
  if (levels === 0) return collection(3, fanout);
  return Object.fromEntries(Array.from({ length: fanout }, (_, i) => [`b${i}`, tree(levels - 1, fanout)]));
}

describe('a state written in parts', () => {
  test('joins to exactly JSON.stringify, for small and large states of every shape', () => {
    const big = collection(3 * PART_ENTRIES + 17, 1);
    const states: unknown[] = [
      null, 0, 'text', [], {}, { a: 1 }, [1, [2, 3], { b: null }],
      { items: big, meta: { n: 1 }, list: Array.from({ length: 2 * PART_ENTRIES + 3 }, (_, i) => ({ i })) },
      big, // the state itself a large collection
      Array.from({ length: PART_ENTRIES * 2 + 1 }, (_, i) => (i % 1000 ? i : { nested: collection(PART_ENTRIES + 1, i) })),
      { first: collection(PART_ENTRIES + 1, 2), second: collection(PART_ENTRIES + 1, 3), small: [1, 2] },
      JSON.parse('{"__proto__": {"x": 1}, "y": 2}'), // an own "__proto__" key stays a key
      { big: JSON.parse(`{"__proto__": 1, ${Array.from({ length: PART_ENTRIES + 5 }, (_, i) => `"k${i}": ${i}`).join(',')}}`) },
      Object.assign(Object.create(null), collection(PART_ENTRIES + 2, 4)),
      tree(4, 6), // a tree walked level by level, as the bench's 16×16×16 items
      { a: undefined, b: () => 1, c: [undefined, () => 1, Symbol('s')], d: { e: { f: { g: { h: 1 } } } }, [Symbol('k')]: 1 },
      { dates: [new Date(0)], nested: { deep: { deeper: { deepest: [1, { x: 'y' }] } } } },
    ];
    for (const state of states) expect(join(state)).toBe(JSON.stringify(state));
  });

  test('a large state is written in many parts, none much larger than a group, flat or a tree', () => {
    for (const state of [{ items: collection(10 * PART_ENTRIES, 5) }, { items: tree(4, 8) }]) {
      const parts = [...jsonParts(state, (_key, v) => v)];
      expect(parts.length).toBeGreaterThanOrEqual(10);
      const largest = Math.max(...parts.map((part) => part.length));
      expect(largest).toBeLessThan(JSON.stringify(state).length / 5);
    }
  });

  test('throws where JSON.stringify with the same replacer throws, also deep in a later group', () => {
    const refuseMaps: Replacer = function (this: unknown, key, value) {
      if ((this as Record<string, unknown>)[key] instanceof Map) throw new Error('a Map');
      return value;
    };
    const items = collection(3 * PART_ENTRIES, 6);
    (items['id-5000'] as Record<string, unknown>).extra = new Map();
    expect(() => JSON.stringify({ items }, refuseMaps)).toThrow('a Map');
    expect(() => join({ items }, refuseMaps)).toThrow('a Map');
    const cyclic: Record<string, unknown> = collection(PART_ENTRIES + 1, 7);
    (cyclic['id-1'] as Record<string, unknown>).back = cyclic;
    expect(() => join({ cyclic })).toThrow(TypeError);
  });

  test('a checkpoint of a large state hashes as hashState and decodes to the same state; a Map deep in it is NOT_PLAIN_DATA with its path', async () => {
    const state = { items: collection(5 * PART_ENTRIES, 8), meta: { name: 'ünïcode' } };
    const encoded = await encodeState(state);
    expect(encoded.hash).toBe(hashState(state));
    expect(encoded.rawBytes).toBe(new TextEncoder().encode(JSON.stringify(state)).length);
    expect((await decodeState(encoded.bytes, encoded.hash)).state).toEqual(state);

    (state.items['id-8002'] as Record<string, unknown>).when = new Map();
    expect(await codeOf(encodeState(state))).toBe('NOT_PLAIN_DATA');
    const error = await encodeState(state).catch((e: unknown) => e);
    expect((error as { details: { path: string } }).details.path).toBe('.items.id-8002.when');
  });
});
