import { describe, expect, test } from 'vitest';
import { hashState } from 'tidemark';
import { decodeState, encodeState, SNAPSHOT_SLICE_BYTES } from '../../worker/snapshot-codec.js';

describe('snapshot codec', () => {
  test('a state larger than one slice round-trips through gzip with its hash', async () => {
    const state = { items: Array.from({ length: 20_000 }, (_, i) => ({ id: `item-${i}`, text: `text ${i * 7919}`, done: i % 3 === 0 })) };
    const encoded = await encodeState(state);
    expect(encoded.rawBytes).toBeGreaterThan(2 * SNAPSHOT_SLICE_BYTES);
    expect(encoded.bytes.byteLength).toBeLessThan(encoded.rawBytes / 2);
    expect(encoded.hash).toBe(hashState(state));
    const decoded = decodeState(encoded.bytes, encoded.hash);
    expect(decoded.state).toEqual(state);
    expect(decoded.json).toBe(JSON.stringify(state));
  });

  test('a flipped byte or a wrong hash is refused, never decoded into a wrong state', async () => {
    const encoded = await encodeState({ text: 'x'.repeat(1000), n: 42 });
    expect(() => decodeState(encoded.bytes, 'nope')).toThrow('hash');
    const damaged = encoded.bytes.slice();
    damaged[12] = damaged[12]! ^ 0xff;
    expect(() => decodeState(damaged, encoded.hash)).toThrow();
  });
});
