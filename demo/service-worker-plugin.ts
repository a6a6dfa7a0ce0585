// Builds the demo's service worker (demo/sw.ts) into <outDir>/sw.js after a
// production build of the demo, with the list of every file the build wrote
// and a hash of their bytes: any change to the app changes sw.js, which is how
// browsers notice an update. Dev mode gets no service worker at all (see
// demo/pwa.ts), so `npm run demo` never serves stale files from a cache.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { transformWithOxc, type Plugin } from 'vite';

/** Options of `serviceWorkerPlugin`. */
export interface ServiceWorkerPluginOptions {
  /** The service worker's TypeScript source, with `declare const PRECACHE`. */
  source: string;
  /**
   * The built page that registers it: a build without this file (the library,
   * a test page) gets no service worker.
   * @default 'index.html'
   */
  page?: string;
}

/** Files never precached: source maps, and the service worker itself. */
const skipped = (file: string) => file.endsWith('.map') || file === 'sw.js';

/**
 * A Vite plugin that writes `sw.js` next to the built page, precaching every
 * file of the build (public files included), as `PRECACHE = { version, files }`.
 */
export function serviceWorkerPlugin(options: ServiceWorkerPluginOptions): Plugin {
  let outDir = '';
  return {
    name: 'tidemark-demo-service-worker',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      const files = (await listFiles(outDir)).filter((file) => !skipped(file)).sort();
      if (!files.includes(options.page ?? 'index.html')) return;
      const hash = createHash('sha256');
      for (const file of files) hash.update(file).update('\0').update(await readFile(path.join(outDir, file)));
      const precache = { version: hash.digest('hex').slice(0, 16), files };
      const { code } = await transformWithOxc(await readFile(options.source, 'utf8'), options.source);
      const script = code.replace(/^export \{\};.*$/m, '');
      await writeFile(path.join(outDir, 'sw.js'), `const PRECACHE = ${JSON.stringify(precache)};\n${script}`);
    },
  };
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}
