// Bundle size of tidemark's entries, as an app ships them: built by Vite with
// its dependencies (idb, fflate, aws4fetch) bundled in (React, which the app
// has anyway, left out), minified as an app's production build is
// (whitespace too), each chunk gzipped on its own as a server sends it.
//
// The remote, history, backup and fflate code is loaded with import() when
// used, so an entry has two figures: what must download before it works
// (the entry's chunk and every chunk it imports statically), and what may
// load later. The budget is checked on the first, for what a typical app
// imports (a page: defineStore + connectStore + isTidemarkError; a worker:
// serveStore); the note also gives the figure for everything the entry
// exports, which is what an app that imports all of it downloads.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** The entries, each with its budget in bytes of min+gzip (KB = 1000 bytes, as the table prints them). */
export const ENTRIES = [
  {
    name: 'size.page', file: 'src/index.ts', label: "bundle: page entry 'tidemark', min+gzip", budget: 6_000,
    typical: ['defineStore', 'connectStore', 'isTidemarkError'],
  },
  {
    name: 'size.worker', file: 'worker/index.ts', label: "bundle: worker entry 'tidemark/worker', min+gzip", budget: 15_000,
    typical: ['serveStore'],
  },
  {
    name: 'size.react', file: 'src/react.ts', label: "bundle: React entry 'tidemark/react', min+gzip", budget: 1_000,
    typical: ['useStore', 'useSaveStatus'], external: ['react'],
  },
];

/** `met` or `missed`, and the words the table prints under the row. */
export function budgetVerdict(bytes, budget) {
  const met = bytes <= budget;
  return { met, text: `budget ≤ ${budget / 1000} KB: ${met ? 'met' : `missed by ${bytes - budget} B`}` };
}

/** One `bytes` row per entry; a missing entry or a failed build gives a null value and a note. */
export async function measureBundleSizes({ root, log = () => {} }) {
  const rows = [];
  for (const entry of ENTRIES) {
    const row = { name: entry.name, label: entry.label, group: 'size', unit: 'bytes', n: 1, budget: entry.budget };
    const path = join(root, entry.file);
    if (!existsSync(path)) {
      rows.push({ ...row, value: null, note: `${entry.file} does not exist yet; measured once it does` });
      continue;
    }
    log(`bundle size: building ${entry.file}`);
    try {
      const external = entry.external ?? [];
      const typical = await buildOne(root, `export { ${entry.typical.join(', ')} } from ${JSON.stringify(path)};`, external);
      const whole = await buildOne(root, `export * from ${JSON.stringify(path)};`, external);
      const verdict = budgetVerdict(typical.initial, entry.budget);
      const bundled = entry.external ? `dependencies bundled but ${entry.external.join(', ')}` : 'dependencies bundled';
      rows.push({
        ...row, value: typical.initial, budgetMet: verdict.met, whole,
        note:
          `${verdict.text}; what an app importing ${entry.typical.join(', ')} downloads before it works ` +
          `(${typical.initialMin} B minified); every export of the entry: ${whole.initial} B at start` +
          (whole.lazy > 0 ? ` + ${whole.lazy} B in ${whole.lazyChunks} chunks loaded when used` : '') +
          `; ${whole.modules} modules, ${bundled}, gzip -9 per chunk`,
      });
    } catch (error) {
      const first = String(error?.message ?? error).split('\n')[0];
      rows.push({ ...row, value: null, note: `build of ${entry.file} failed: ${first}` });
    }
  }
  return rows;
}

const ENTRY_ID = 'virtual:tidemark-size-entry';

/** Builds `source` (an entry module re-exporting tidemark's) and sums its chunks, gzipped one by one. */
async function buildOne(root, source, external) {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    publicDir: false,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [{
      name: 'size-entry',
      enforce: 'pre',
      resolveId: (id) => (id.endsWith(ENTRY_ID) ? `\0${ENTRY_ID}` : null),
      load: (id) => (id === `\0${ENTRY_ID}` ? source : null),
    }],
    resolve: {
      alias: {
        'tidemark/worker': join(root, 'worker/index.ts'),
        'tidemark/react': join(root, 'src/react.ts'),
        tidemark: join(root, 'src/index.ts'),
      },
    },
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry: ENTRY_ID, formats: ['es'], fileName: 'entry' },
      // As in an app's production build: whitespace stripped too (lib mode keeps it), and shared
      // modules may join the entry's chunk (lib mode keeps its exports exact, which splits them out).
      rolldownOptions: { external, preserveEntrySignatures: 'allow-extension', output: { minify: true } },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
  const chunks = new Map(outputs.filter((o) => o.type === 'chunk').map((chunk) => [chunk.fileName, chunk]));
  const entry = [...chunks.values()].find((chunk) => chunk.isEntry);
  if (!entry) throw new Error('the build produced no JavaScript');
  // What loads at start: the entry and, transitively, what it imports statically.
  const initial = new Set();
  const visit = (chunk) => {
    if (initial.has(chunk)) return;
    initial.add(chunk);
    for (const name of chunk.imports) if (chunks.has(name)) visit(chunks.get(name));
  };
  visit(entry);
  const sizes = { initial: 0, initialMin: 0, lazy: 0, lazyChunks: 0, modules: 0 };
  for (const chunk of chunks.values()) {
    const gzip = gzipSync(chunk.code, { level: 9 }).length;
    sizes.modules += Object.keys(chunk.modules ?? {}).length;
    if (initial.has(chunk)) {
      sizes.initial += gzip;
      sizes.initialMin += Buffer.byteLength(chunk.code);
    } else {
      sizes.lazy += gzip;
      sizes.lazyChunks++;
    }
  }
  return sizes;
}
