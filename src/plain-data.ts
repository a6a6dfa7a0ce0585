/** Where a value stops being plain JSON data, and what it is instead. */
export interface NotPlainData {
  /** A JS-style path from the checked root, e.g. `.items[3].when`; empty for the root itself. */
  path: string;
  /** What was found there, e.g. `Date`, `undefined`, `NaN`, `-0`, `a hole in an array`, `a cycle`. */
  found: string;
}

/**
 * Finds the first value that does not survive `JSON.stringify` → `JSON.parse`
 * unchanged: only null, booleans, finite numbers other than -0, strings,
 * arrays without holes and plain objects pass. Events are journaled as JSON-compatible data, so anything
 * else would replay differently from how it was applied live.
 */
export function findNotPlainData(value: unknown): NotPlainData | undefined {
  const ancestors = new Set<object>();

  const visit = (current: unknown, path: string): NotPlainData | undefined => {
    switch (typeof current) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        if (Object.is(current, -0)) return { path, found: '-0' }; // JSON writes it as 0
        return Number.isFinite(current) ? undefined : { path, found: String(current) };
      case 'object':
        break;
      default:
        return { path, found: typeof current };
    }
    if (current === null) return undefined;
    if (ancestors.has(current)) return { path, found: 'a cycle' };

    if (Array.isArray(current)) {
      ancestors.add(current);
      for (let i = 0; i < current.length; i++) {
        if (!(i in current)) return { path: `${path}[${i}]`, found: 'a hole in an array' };
        const bad = visit(current[i], `${path}[${i}]`);
        if (bad) return bad;
      }
      ancestors.delete(current);
      return undefined;
    }

    const proto = Object.getPrototypeOf(current);
    if (proto !== Object.prototype && proto !== null) {
      return { path, found: (current as object).constructor?.name || 'a class instance' };
    }
    ancestors.add(current);
    for (const key in current) {
      const bad = visit((current as Record<string, unknown>)[key], `${path}.${key}`);
      if (bad) return bad;
    }
    ancestors.delete(current);
    return undefined;
  };

  return visit(value, '');
}
