import { afterEach, describe, expect, test, vi } from 'vitest';
import { hashState } from 'tidemark';
import { decodeState, encodeState, loadFflate, SNAPSHOT_SLICE_BYTES, verifyState } from '../../worker/snapshot-codec.js';

describe('snapshot codec', () => {
  test('a state larger than one slice round-trips through gzip with its hash', async () => {
    const state = { items: Array.from({ length: 20_000 }, (_, i) => ({ id: `item-${i}`, text: `text ${i * 7919}`, done: i % 3 === 0 })) };
    const encoded = await encodeState(state);
    expect(encoded.rawBytes).toBeGreaterThan(2 * SNAPSHOT_SLICE_BYTES);
    expect(encoded.bytes.byteLength).toBeLessThan(encoded.rawBytes / 2);
    expect(encoded.hash).toBe(hashState(state));
    const decoded = await decodeState(encoded.bytes, encoded.hash);
    expect(decoded.state).toEqual(state);
    expect(decoded.json).toBe(JSON.stringify(state));
  });

  test('a flipped byte or a wrong hash is refused, never decoded into a wrong state', async () => {
    const encoded = await encodeState({ text: 'x'.repeat(1000), n: 42 });
    await expect(decodeState(encoded.bytes, 'nope')).rejects.toThrow('hash');
    const damaged = encoded.bytes.slice();
    damaged[12] = damaged[12]! ^ 0xff;
    await expect(decodeState(damaged, encoded.hash)).rejects.toThrow();
  });

  describe('where the platform has no Compression/DecompressionStream (fflate, loaded on demand)', () => {
    afterEach(() => vi.unstubAllGlobals());
    const state = { items: Array.from({ length: 5_000 }, (_, i) => ({ id: i, text: `é ${i}` })) };

    test('fflate writes what the platform reads, and the platform writes what fflate reads', async () => {
      vi.stubGlobal('CompressionStream', undefined);
      vi.stubGlobal('DecompressionStream', undefined);
      const byFflate = await encodeState(state);
      expect((await decodeState(byFflate.bytes, byFflate.hash)).state).toEqual(state);
      vi.unstubAllGlobals();
      expect((await decodeState(byFflate.bytes, byFflate.hash)).state).toEqual(state);
      const byPlatform = await encodeState(state);
      expect(JSON.parse(verifyState(await loadFflate(), byPlatform.bytes, byPlatform.hash))).toEqual(state);
      expect(byPlatform.hash).toBe(byFflate.hash);
    });

    test('fflate refuses damaged bytes and a wrong hash too', async () => {
      const fflate = await loadFflate();
      const encoded = await encodeState(state);
      expect(() => verifyState(fflate, encoded.bytes, 'nope')).toThrow('hash');
      expect(() => verifyState(fflate, encoded.bytes.subarray(0, 40), encoded.hash)).toThrow('decompress');
    });
  });
});
