// Every ```ts and ```tsx block of README.md is a file of one small app, and
// the app type-checks (see readme-snippets.ts for how blocks become files).
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, test } from 'vitest';
import { extractSnippets } from '../readme-snippets.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Inside the repo, so the snippets resolve react, vite and fake-indexeddb from its node_modules.
const dir = path.join(repoRoot, 'node_modules/.cache/tidemark-readme');
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Type-checks the files together, as the package's users would with a strict tsconfig. */
function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: ['node'],
    jsx: ts.JsxEmit.ReactJSX,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
    paths: {
      tidemark: [path.join(repoRoot, 'src/index.ts')],
      'tidemark/worker': [path.join(repoRoot, 'worker/index.ts')],
      'tidemark/react': [path.join(repoRoot, 'src/react.ts')],
      'tidemark/s3': [path.join(repoRoot, 'worker/remote/s3-remote.ts')],
      'tidemark/testing': [path.join(repoRoot, 'worker/testing/index.ts')],
    },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(dir, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `TS${d.code} ${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the README', () => {
  test('has every TypeScript snippet type-check as one app, with no name left undefined', { timeout: 60_000 }, async () => {
    const snippets = extractSnippets(await readFile(path.join(repoRoot, 'README.md'), 'utf8'));
    expect(snippets.map((s) => s.file)).toEqual(
      expect.arrayContaining(['vite.config.ts', 'todos.store.ts', 'todos.worker.ts', 'main.ts', 'script.ts', 'people.store.ts']),
    );
    expect(new Set(snippets.map((s) => s.file)).size).toBe(snippets.length);

    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const files = await Promise.all(
      snippets.map(async (snippet) => {
        const file = path.join(dir, snippet.file);
        await writeFile(file, snippet.code);
        return file;
      }),
    );
    expect(typeCheck(files)).toEqual([]);
  });

  test('catches a snippet that uses a name it never defines', { timeout: 60_000 }, async () => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'broken.ts');
    await writeFile(file, "import { connectStore } from 'tidemark';\nexport const connect = connectStore;\nrender(savedBadge);\n");
    // TS2304: cannot find name.
    const found = typeCheck([file]);
    expect(found.filter((d) => d.startsWith('TS2304 ')), found.join('\n')).toHaveLength(2);
  });
});
