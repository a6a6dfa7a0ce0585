// Runs the whole benchmark at tiny sizes, so `npm run bench` cannot rot
// unnoticed. The figures are not checked, only that each one exists, is a
// finite positive number, and has its ratio to a ref of the same run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderChart, renderLoadChart, renderTable, resolveRatios, runBenchmarks } from './run.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The tidemark rows whose names do not depend on the profile's sizes. */
const TIDEMARK_ROWS = [
  'floor.tx-per-event.strict', 'floor.tx-per-event.relaxed', 'floor.latency.strict.p50', 'floor.latency.relaxed.p99',
  'tidemark.commit.strict', 'tidemark.commit.relaxed',
  'tidemark.latency.strict.p50', 'tidemark.latency.strict.p99', 'tidemark.latency.relaxed.p50', 'tidemark.latency.relaxed.p99',
  'tidemark.main-thread.commit', 'tidemark.burst', 'tidemark.burst.items', 'tidemark.main-thread.burst',
  'tidemark.large.commit.relaxed', 'tidemark.large.commit.strict', 'tidemark.main-thread.large',
  'floor.snapshot-write', 'tidemark.checkpoint.ms', 'tidemark.checkpoint.stall', 'tidemark.checkpoint.longtask',
  'tidemark.checkpoint.raw-bytes', 'tidemark.checkpoint.gzip-bytes',
  'floor.journal-getAll.packed', 'tidemark.replay.packed', 'floor.journal-getAll.records', 'tidemark.replay.records',
  'floor.history-read',
  'floor.state-at.read', 'tidemark.state-at.start', 'tidemark.state-at.end', 'tidemark.state-at.stall',
  // The remote rows, against the suite's Ceph RGW (the browser project's global setup starts it).
  'floor.s3-put', 'floor.s3-read-put', 'tidemark.remote.upload', 'tidemark.remote.main-thread', 'floor.s3-get-decode', 'floor.s3-get-decode-write', 'tidemark.remote.hydrate',
  // The sync rows: two browsers as two devices, driven from Node (bench/sync.mjs).
  'floor.s3-roundtrip', 'tidemark.sync.arrival', 'tidemark.sync.push-offline-commits', 'tidemark.sync.rebase-offline-commits',
];

describe('the benchmark', () => {
  it('measures every row at quick sizes and compares each with its ref from the same run', async () => {
    const results = await runBenchmarks({ quick: true, log: () => {} });
    const names = results.rows.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining([
      'raw.tx-per-event.strict', 'raw.tx-per-event.relaxed', 'raw.records-per-tx', 'raw.packed-per-tx',
      'raw.latency.strict.p50', 'raw.latency.relaxed.p99', 'raw.getAll.records', 'raw.getAll.packed',
      'dexie.add-per-event', 'dexie.bulkAdd',
      'persist.json.100', 'persist.object.1k', 'size.page', 'size.worker', 'size.react', 'raw.main-thread.add',
      ...TIDEMARK_ROWS,
    ]));
    expect(names.filter((name) => name.startsWith('decode.'))).toHaveLength(4);
    // One load per history length and per state size of the quick profile, each with its ref.
    expect(names.filter((name) => name.startsWith('tidemark.load.history.'))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith('tidemark.load.state.'))).toHaveLength(2);
    expect(names.filter((name) => name.startsWith('tidemark.load.suffix.'))).toHaveLength(1);
    expect(names.filter((name) => name.startsWith('floor.snapshot-decode.'))).toHaveLength(2);
    for (const row of results.rows) {
      const entry = row.name === 'size.page' ? 'src/index.ts' : row.name === 'size.worker' ? 'worker/index.ts' : null;
      if (entry && !existsSync(`${root}/${entry}`)) {
        expect(row.value, row.name).toBeNull();
        continue;
      }
      expect(Number.isFinite(row.value), `${row.name}: ${row.value}`).toBe(true);
      // The longest long task during a checkpoint or an upload is 0 when there was none, as there should be.
      if (row.name === 'tidemark.checkpoint.longtask' || row.name === 'tidemark.remote.main-thread') expect(row.value).toBeGreaterThanOrEqual(0);
      else expect(row.value, `${row.name}: ${row.note ?? ''}`).toBeGreaterThan(0);
      if (row.ref) expect(row.ratio, `${row.name} vs ${row.ref}: ${row.refProblem ?? ''}`).toBeGreaterThan(0);
    }
    // Every bundle has a budget, and the table says whether it is met.
    const sizes = results.rows.filter((row) => row.group === 'size' && row.value != null);
    expect(sizes.map((row) => row.name).sort()).toEqual(['size.page', 'size.react', 'size.worker']);
    for (const row of sizes) {
      expect(row.budgetMet, row.name).toBe((row.value ?? Infinity) <= (row.budget ?? 0));
      expect(row.note, row.name).toMatch(row.budgetMet ? /^budget ≤ [\d.]+ KB: met;/ : /^budget ≤ [\d.]+ KB: missed by \d+ B;/);
    }
    // Every tidemark figure but the long task (target 0) and a size has a ref, so a ratio.
    const unrefed = results.rows.filter((row) => row.group === 'tidemark' && !row.ref).map((row) => row.name);
    expect(unrefed.sort()).toEqual(['tidemark.checkpoint.longtask', 'tidemark.checkpoint.raw-bytes', 'tidemark.remote.main-thread']);

    const table = renderTable(results);
    for (const row of results.rows) expect(table).toContain(row.label);
    const svg = renderChart(results);
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(results.rows.filter((row) => row.chart).length);
    expect(svg).toContain('tidemark: burst of');
    // The load chart: a bar per history length, and per state size with its floor beside it.
    const loads = renderLoadChart(results);
    expect(loads).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(loads.match(/<rect [^>]*><title>/g)).toHaveLength(2 + 2 * 2);
    expect(loads).not.toContain('not measured');
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
