import type { NotPlainData } from './plain-data.js';

// Development checks: every state a commit produces is checked to be plain
// data and deep-frozen, so a reducer that returns a Map, a hole or undefined
// is caught at the commit that did it, and one that mutates the state it was
// given throws at the mutation. Off in production builds (see isDevelopment).

// Node's, or the bundler's replacement; read inside a try, as a browser without a bundler has none.
declare const process: { env: { NODE_ENV?: string } };

/** Objects already checked and frozen: a later walk stops there, so a commit pays only for the objects it made. */
const verified = new WeakSet<object>();

/**
 * True unless the app is built for production, as bundlers say it:
 * `process.env.NODE_ENV` is replaced by Vite, webpack, esbuild and Rollup's
 * replace plugin in dependencies too, and Node has it. Where nothing
 * replaces it and there is no `process` (a browser loading unbundled
 * modules), the checks stay off: we cannot tell, and they cost time.
 */
export function isDevelopment(): boolean {
  try {
    return process.env.NODE_ENV !== 'production';
  } catch {
    return false;
  }
}

/**
 * Checks that `state` is plain data (as findNotPlainData) and deep-freezes
 * every object of it that is. Objects frozen by an earlier call are not
 * walked again, so after a commit only the objects its reducers created are
 * visited. Returns the first value that is not plain data; the objects on
 * the way to it are left unfrozen.
 */
export function checkAndFreeze(state: unknown): NotPlainData | undefined {
  const ancestors = new Set<object>();

  // Paths are built only for objects walked into and for the value that fails:
  // a commit that copies a 100k-key object must not pay for 100k path strings.
  const check = (value: unknown, at: () => string): NotPlainData | undefined => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        if (Object.is(value, -0)) return { path: at(), found: '-0' };
        return Number.isFinite(value) ? undefined : { path: at(), found: String(value) };
      case 'object':
        return value === null || verified.has(value) ? undefined : walk(value, at());
      default:
        return { path: at(), found: typeof value };
    }
  };

  const walk = (current: object, path: string): NotPlainData | undefined => {
    if (ancestors.has(current)) return { path, found: 'a cycle' };
    ancestors.add(current);
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        if (!(i in current)) return { path: `${path}[${i}]`, found: 'a hole in an array' };
        const bad = check(current[i], () => `${path}[${i}]`);
        if (bad) return bad;
      }
    } else {
      const proto = Object.getPrototypeOf(current);
      if (proto !== Object.prototype && proto !== null) {
        return { path, found: (current as object).constructor?.name || 'a class instance' };
      }
      for (const key in current) {
        const bad = check((current as Record<string, unknown>)[key], () => `${path}.${key}`);
        if (bad) return bad;
      }
    }
    ancestors.delete(current);
    Object.freeze(current);
    verified.add(current);
    return undefined;
  };

  return check(state, () => '');
}
