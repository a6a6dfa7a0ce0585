// What state validation costs, in Node (V8, as in Chromium): the checkpoint's
// checked JSON.stringify against the plain one, and the development checks
// (check + deep-freeze) on the first commit and on a typical later one.
//
//   node bench/state-validation.mjs [--items=100000]
//
// Loads the TypeScript sources through Vite's module runner, so it measures
// the code as it is in the repo. Prints one line per figure (median of 7).
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = fileURLToPath(new URL('../', import.meta.url));
const items = Number(process.argv.find((a) => a.startsWith('--items='))?.slice(8) ?? 100_000);

const { module: codec } = await runnerImport(`${root}worker/snapshot-codec.ts`, { root, configFile: false });
const { module: plain } = await runnerImport(`${root}src/plain-data.ts`, { root, configFile: false });
const { module: dev } = await runnerImport(`${root}src/dev-checks.ts`, { root, configFile: false });

/** A todo app's state: `items` todos keyed by id, each a small object with a nested tag list. */
function makeState() {
  const todos = {};
  for (let i = 0; i < items; i++) {
    todos[`t${i}`] = { id: `t${i}`, text: `todo number ${i} with some text`, done: i % 3 === 0, at: 1_700_000_000_000 + i, tags: ['a', 'b'] };
  }
  return { todos, count: items, filter: 'all' };
}

function median(run, repeats = 7) {
  const times = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    run(r);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(repeats / 2)];
}

const state = makeState();
const bytes = JSON.stringify(state).length;
const line = (what, ms) => console.log(`${what.padEnd(64)} ${ms.toFixed(2).padStart(9)} ms`);
console.log(`state: ${items} todos, ${(bytes / 1e6).toFixed(1)} MB of JSON`);
const plainMs = median(() => JSON.stringify(state));
const checkedMs = median(() => codec.toCheckedJson(state));
line('JSON.stringify (what a checkpoint did before)', plainMs);
line(`toCheckedJson: stringify with the checking replacer (+${(((checkedMs / plainMs) - 1) * 100).toFixed(0)}%)`, checkedMs);
line('findNotPlainData: a second, separate walk (the alternative)', median(() => plain.findNotPlainData(state)));

// Development checks. The first commit walks and freezes the whole state (once per load).
const fresh = Array.from({ length: 7 }, makeState);
line('devChecks, first commit: check + deep-freeze of the whole state', median((r) => dev.checkAndFreeze(fresh[r])));
// A later commit: a reducer toggles one todo (copies `todos`, one object new); the check walks the new objects only.
const frozen = fresh[0];
let n = 0;
const toggle = (s) => {
  const id = `t${n++ % items}`;
  return { ...s, todos: { ...s.todos, [id]: { ...s.todos[id], done: !s.todos[id].done } } };
};
const reducerMs = median(() => toggle(frozen));
const next = Array.from({ length: 7 }, () => toggle(frozen));
const checkMs = median((r) => dev.checkAndFreeze(next[r]));
line('a typical reducer: toggle one todo (copies the todos object)', reducerMs);
line('devChecks on its result: check + freeze of the objects it made', checkMs);
