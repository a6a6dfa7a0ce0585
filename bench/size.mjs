// Bundle size of tidemark's two entries, as an app would ship them: each
// entry built alone by Vite in library mode, minified, with its
// dependencies (idb, comlink, fflate) bundled in, then gzipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

export const ENTRIES = [
  { name: 'size.page', file: 'src/index.ts', label: "bundle: page entry 'tidemark', min+gzip" },
  { name: 'size.worker', file: 'worker/index.ts', label: "bundle: worker entry 'tidemark/worker', min+gzip" },
];

/** One `bytes` row per entry; a missing entry or a failed build gives a null value and a note. */
export async function measureBundleSizes({ root, log = () => {} }) {
  const rows = [];
  for (const entry of ENTRIES) {
    const row = { name: entry.name, label: entry.label, group: 'size', unit: 'bytes', n: 1 };
    const path = join(root, entry.file);
    if (!existsSync(path)) {
      rows.push({ ...row, value: null, note: `${entry.file} does not exist yet; measured once it does` });
      continue;
    }
    log(`bundle size: building ${entry.file}`);
    try {
      const { min, gzip, modules } = await buildOne(root, path);
      rows.push({ ...row, value: gzip,
        note: `${min} B minified, ${gzip} B gzip -9; ${modules} modules, dependencies bundled` });
    } catch (error) {
      const first = String(error?.message ?? error).split('\n')[0];
      rows.push({ ...row, value: null, note: `build of ${entry.file} failed: ${first}` });
    }
  }
  return rows;
}

async function buildOne(root, path) {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    publicDir: false,
    resolve: {
      alias: {
        'tidemark/worker': join(root, 'worker/index.ts'),
        tidemark: join(root, 'src/index.ts'),
      },
    },
    build: {
      write: false,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      lib: { entry: path, formats: ['es'], fileName: 'entry' },
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
