// Bundle size of tidemark's entries, as an app would ship them: each entry
// built alone by Vite in library mode, minified, with its dependencies (idb,
// comlink, fflate) bundled in (React, which the app has anyway, left out),
// then gzipped; and whether each is within its budget.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

/** The entries, each with its budget in bytes of min+gzip (KB = 1000 bytes, as the table prints them). */
export const ENTRIES = [
  { name: 'size.page', file: 'src/index.ts', label: "bundle: page entry 'tidemark', min+gzip", budget: 6_000 },
  { name: 'size.worker', file: 'worker/index.ts', label: "bundle: worker entry 'tidemark/worker', min+gzip", budget: 15_000 },
  {
    name: 'size.react', file: 'src/react.ts', label: "bundle: React entry 'tidemark/react', min+gzip", budget: 1_000,
    external: ['react'],
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
      const { min, gzip, modules } = await buildOne(root, path, entry.external ?? []);
      const verdict = budgetVerdict(gzip, entry.budget);
      const bundled = entry.external ? `dependencies bundled but ${entry.external.join(', ')}` : 'dependencies bundled';
      rows.push({ ...row, value: gzip, budgetMet: verdict.met,
        note: `${verdict.text}; ${min} B minified, ${gzip} B gzip -9; ${modules} modules, ${bundled}` });
    } catch (error) {
      const first = String(error?.message ?? error).split('\n')[0];
      rows.push({ ...row, value: null, note: `build of ${entry.file} failed: ${first}` });
    }
  }
  return rows;
}

async function buildOne(root, path, external) {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    publicDir: false,
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
      lib: { entry: path, formats: ['es'], fileName: 'entry' },
      rolldownOptions: { external },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []);
  const chunks = outputs.filter((o) => o.type === 'chunk');
  if (chunks.length === 0) throw new Error('the build produced no JavaScript');
  let min = 0;
  let gzip = 0;
  let modules = 0;
  for (const chunk of chunks) {
    min += Buffer.byteLength(chunk.code);
    gzip += gzipSync(chunk.code, { level: 9 }).length;
    modules += Object.keys(chunk.modules ?? {}).length;
  }
  return { min, gzip, modules };
}
