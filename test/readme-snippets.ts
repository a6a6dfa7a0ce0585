// The README's TypeScript blocks as files of one small app: a block whose
// first line is `// name.ts` is that file (others import it by that name);
// any other block is a file of its own. The unit suite type-checks them all;
// the install test builds and runs the quick start's files.

/** One ```ts or ```tsx block of a markdown file. */
export interface Snippet {
  /** The file name it gives itself, or `readme-line-<n>.<ts|tsx>`. */
  file: string;
  code: string;
  /** 1-based line of the block's first line. */
  line: number;
}

export function extractSnippets(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  for (const match of markdown.matchAll(/^```(ts|tsx)\n([\s\S]*?)^```/gm)) {
    const [, lang, code = ''] = match;
    const named = /^\/\/ ([\w.-]+\.tsx?)\b/.exec(code);
    const line = markdown.slice(0, match.index).split('\n').length + 1;
    snippets.push({ file: named?.[1] ?? `readme-line-${line}.${lang}`, code, line });
  }
  return snippets;
}
