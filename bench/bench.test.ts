// Runs the whole benchmark at tiny sizes, so `npm run bench` cannot rot
// unnoticed. The figures are not checked, only that each one exists.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderChart, renderTable, resolveRatios, runBenchmarks } from './run.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the benchmark', () => {
  it('measures every row at quick sizes and compares each with its ref from the same run', async () => {
    const results = await runBenchmarks({ quick: true, log: () => {} });
    const names = results.rows.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining([
      'raw.tx-per-event.strict', 'raw.tx-per-event.relaxed', 'raw.records-per-tx', 'raw.packed-per-tx',
      'raw.latency.strict.p50', 'raw.latency.relaxed.p99', 'raw.getAll.records', 'raw.getAll.packed',
      'dexie.add-per-event', 'dexie.bulkAdd',
      'persist.json.100', 'persist.object.1k', 'size.page', 'size.worker',
    ]));
    expect(names.filter((name) => name.startsWith('decode.'))).toHaveLength(4);
    for (const row of results.rows) {
      const entry = row.name === 'size.page' ? 'src/index.ts' : row.name === 'size.worker' ? 'worker/index.ts' : null;
      if (entry && !existsSync(`${root}/${entry}`)) {
        expect(row.value, row.name).toBeNull();
        continue;
      }
      expect(row.value, `${row.name}: ${row.note ?? ''}`).toBeGreaterThan(0);
      if (row.ref) expect(row.ratio, `${row.name} vs ${row.ref}`).toBeGreaterThan(0);
    }

    const table = renderTable(results);
    for (const row of results.rows) expect(table).toContain(row.label);
    const svg = renderChart(results);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(results.rows.filter((row) => row.chart).length);
  }, 120_000);

  it('gives no ratio, and says why, when a ref is missing or in another unit', () => {
    const base = { group: 'tidemark', n: 1 } as const;
    const rows = resolveRatios([
      { ...base, name: 'a', label: 'a', unit: 'ops/s', value: 100 },
      { ...base, name: 'b', label: 'b', unit: 'ops/s', value: 50, ref: 'a' },
      { ...base, name: 'c', label: 'c', unit: 'ms', value: 5, ref: 'a' },
      { ...base, name: 'd', label: 'd', unit: 'ms', value: 5, ref: 'nowhere' },
    ]);
    expect(rows[1]).toMatchObject({ ratio: 0.5, speedup: 0.5 });
    expect(rows[2]).toMatchObject({ ratio: null, refProblem: expect.stringContaining('unit') });
    expect(rows[3]).toMatchObject({ ratio: null, refProblem: expect.stringContaining('not in this run') });
  });
});
