import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { serviceWorkerPlugin } from './demo/service-worker-plugin.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One config, three uses: `vite` serves the demo, `vite build --mode lib`
// builds the package, and `vitest` runs the Node and the Chromium suites.
export default defineConfig(({ mode }) => ({
  // The demo's manifest and icons; the library build ships none of them.
  publicDir: mode === 'lib' ? false : 'demo/public',
  // After a production build of the demo, writes sw.js, which precaches it (the app works offline).
  plugins: mode === 'lib' ? [] : [serviceWorkerPlugin({ source: here('./demo/sw.ts') })],
  resolve: {
    alias: {
      'tidemark/worker': here('./worker/index.ts'),
      'tidemark/s3': here('./worker/remote/s3-remote.ts'),
      'tidemark/react': here('./src/react.ts'),
      'tidemark/testing': here('./worker/testing/index.ts'),
      tidemark: here('./src/index.ts'),
    },
  },
  worker: { format: 'es' },
  build:
    mode === 'lib'
      ? {
          outDir: 'dist',
          // With the sources embedded, so an app's bundler maps stack traces back to tidemark's TypeScript.
          sourcemap: true,
          lib: {
            entry: {
              tidemark: here('./src/index.ts'),
              worker: here('./worker/index.ts'),
              s3: here('./worker/remote/s3-remote.ts'),
              react: here('./src/react.ts'),
              testing: here('./worker/testing/index.ts'),
            },
            formats: ['es'],
          },
          rolldownOptions: { external: ['idb', 'fflate', 'aws4fetch', 'react'] },
        }
      : { outDir: 'dist-demo' },
  test: {
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['test/unit/**/*.test.ts'], environment: 'node', setupFiles: ['test/unit/setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          // The browser tests reach S3 (Ceph RGW) too; the setup starts it once for both projects.
          globalSetup: ['test/remote/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One browser at a time (Chromium, or Firefox and WebKit in test/browser/engines/): the machine has two cores.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'remote',
          include: ['test/remote/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['test/unit/setup.ts'],
          // Starts a real S3 server (Ceph RGW, scripts/rgw.mjs) for the run, or uses TIDEMARK_S3_ENDPOINT.
          globalSetup: ['test/remote/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One server, one core left for it.
          fileParallelism: false,
        },
      },
    ],
  },
}));
