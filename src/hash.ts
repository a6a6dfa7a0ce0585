/**
 * A 53-bit hash of a string (cyrb53), as 14 hex digits. Not cryptographic:
 * it verifies snapshots and compares states, where speed matters more.
 */
export function hashText(text: string): string {
  return new TextHash().text(text).digest();
}

/**
 * hashText of the text these UTF-8 bytes spell, computed on the bytes, which
 * is about twice as fast as on a string; undefined when they are not all
 * ASCII (there a byte is not a UTF-16 code unit, so hash the text).
 */
export function hashAsciiBytes(bytes: Uint8Array): string | undefined {
  const hash = new TextHash();
  return hash.asciiBytes(bytes) ? hash.digest() : undefined;
}

/**
 * hashText of a text given in pieces, in order (a snapshot's JSON as it is
 * written): `digest()` equals hashText of the pieces joined.
 */
export class TextHash {
  private h1 = 0xdeadbeef;
  private h2 = 0x41c6ce57;

  /** Adds `text`. */
  text(text: string): this {
    let { h1, h2 } = this; // locals: the loop is hot
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  /**
   * Adds the text these UTF-8 bytes spell, if they are all ASCII (where a
   * byte is a UTF-16 code unit); else adds nothing and returns false, and the
   * caller adds the text instead.
   */
  asciiBytes(bytes: Uint8Array): boolean {
    let { h1, h2 } = this;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c > 0x7f) return false;
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return true;
  }

  digest(): string {
    return finish(this.h1, this.h2);
  }
}

// cyrb53's final mix.
function finish(h1: number, h2: number): string {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}

/**
 * The hash of a state as tidemark stores it (its JSON text). Two states with
 * equal hashes are, for all practical purposes, equal: use it to check that a
 * reloaded or replayed state matches the live one.
 */
export function hashState(state: unknown): string {
  return hashText(JSON.stringify(state));
}
