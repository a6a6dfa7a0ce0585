import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One config, three uses: `vite` serves the demo, `vite build --mode lib`
// builds the package, and `vitest` runs the Node and the Chromium suites.
export default defineConfig(({ mode }) => ({
  resolve: {
    alias: {
      'tidemark/worker': here('./worker/index.ts'),
      'tidemark/testing': here('./worker/testing/index.ts'),
      tidemark: here('./src/index.ts'),
    },
  },
  worker: { format: 'es' },
  build:
    mode === 'lib'
      ? {
          outDir: 'dist',
          lib: {
            entry: {
              tidemark: here('./src/index.ts'),
              worker: here('./worker/index.ts'),
              testing: here('./worker/testing/index.ts'),
            },
            formats: ['es'],
          },
          rolldownOptions: { external: ['idb', 'comlink', 'fflate'] },
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
          name: 'chromium',
          include: ['test/browser/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One Chromium at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
}));
