// Turns the rows of one run into ratios and the table printed on stdout.

/** Units where a bigger number is better; for the others smaller is better. */
const HIGHER_IS_BETTER = new Set(['ops/s', 'MB/s']);

export const GROUP_TITLES = {
  floor: 'floor: raw IndexedDB, fflate + JSON.parse',
  tidemark: 'tidemark',
  peer: 'what users pick instead',
  size: 'bundle size',
};

/**
 * Adds to every row with a `ref` its `ratio` (value / ref value, same unit)
 * and, for speeds and times, its `speedup` (> 1: faster than the ref).
 * A ref that is missing or has another unit gets a null ratio and says why.
 */
export function resolveRatios(rows) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  return rows.map((row) => {
    if (!row.ref) return row;
    const ref = byName.get(row.ref);
    let problem;
    if (!ref) problem = `ref ${row.ref} is not in this run`;
    else if (ref.unit !== row.unit) problem = `ref ${row.ref} has unit ${ref.unit}, this row ${row.unit}`;
    else if (row.value == null || ref.value == null || ref.value === 0) problem = 'no value to compare';
    if (problem) return { ...row, ratio: null, refProblem: problem };
    const ratio = row.value / ref.value;
    const out = { ...row, ratio };
    if (row.unit !== 'bytes') out.speedup = HIGHER_IS_BETTER.has(row.unit) ? ratio : 1 / ratio;
    return out;
  });
}

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function sig(value, digits = 3) {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return int.format(value);
  return Number(value.toPrecision(digits)).toString();
}

/** The main figure, with its unit. */
export function formatValue(row) {
  if (row.value == null) return '—';
  switch (row.unit) {
    case 'ops/s': return `${sig(row.value)} /s`;
    case 'MB/s': return `${sig(row.value)} MB/s`;
    case 'ms': return `${sig(row.value)} ms`;
    case 'bytes': return row.value >= 1e3 ? `${sig(row.value / 1e3)} KB` : `${row.value} B`;
    default: return `${sig(row.value)} ${row.unit}`;
  }
}

/** The same figure the other way round: time per op, or bytes per second. */
function formatAlternate(row) {
  if (row.value == null) return '';
  if (row.unit === 'ops/s') return `${sig(1000 / row.value)} ms/op`;
  if (row.unit === 'ms' && row.bytes) return `${sig((row.bytes * row.n) / 1e6 / (row.value / 1000))} MB/s`;
  return '';
}

function formatRatio(row) {
  if (!row.ref) return '';
  if (row.ratio == null) return `? (${row.refProblem})`;
  if (row.speedup !== undefined) {
    const s = row.speedup;
    const words = s >= 1 ? `${sig(s)}× faster` : `${sig(1 / s)}× slower`;
    return `${words} than ${row.ref}`;
  }
  return `${sig(row.ratio)}× ${row.ref}`;
}

export function describeRun(meta) {
  const lines = [
    `tidemark bench · ${meta.profile} run · ${meta.chromium} · ${meta.cores} cores · ${meta.storage}`,
    `${meta.date} · ${meta.platform} · node ${meta.node} · ${Math.round(meta.durationMs / 1000)} s`,
  ];
  // The load at the end includes this run's own Chromium; the one at the start does not.
  const [before, after] = meta.loadavg ?? [0, 0];
  if (before > meta.cores * 0.75) {
    lines.push(`warning: load average ${before} on ${meta.cores} cores before the run (${after} after); ` +
      'other work was running, so figures are slower and noisier than on an idle machine');
  }
  return lines.join('\n');
}

/** The table for stdout: one section per group, notes under their rows. */
export function renderTable({ meta, rows }) {
  const lines = [describeRun(meta), ''];
  const cells = rows.map((row) => [row.label, String(row.n), formatValue(row), formatAlternate(row), formatRatio(row)]);
  const widths = [0, 1, 2, 3].map((c) => Math.max(...cells.map((cell) => cell[c].length), 0));
  const groups = [...new Set(rows.map((row) => row.group))];
  const header = ['', 'n', 'median', '', 'vs ref (same run)'];
  for (const group of groups) {
    lines.push(`${GROUP_TITLES[group] ?? group}`);
    if (group === groups[0]) lines.push(`  ${pad(header, widths)}`);
    rows.forEach((row, k) => {
      if (row.group !== group) return;
      lines.push(`  ${pad(cells[k], widths)}`.trimEnd());
      if (row.note) lines.push(`      ${row.note}`);
    });
    lines.push('');
  }
  return lines.join('\n');
}

function pad(cells, widths) {
  return cells
    .map((cell, c) => (c === 1 || c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c] ?? 0)))
    .join('  ');
}
