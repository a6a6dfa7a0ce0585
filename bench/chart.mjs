// The chart the README shows: durable writes per second by method, one
// horizontal bar per row marked `chart: true`, on a log scale. Hand-written
// SVG so it needs no chart library and renders on GitHub as an <img>.

export const COLORS = { floor: '#9ca3af', tidemark: '#2563eb', peer: '#f59e0b' };
const LEGEND = [
  ['floor', 'raw IndexedDB (floor)'],
  ['tidemark', 'tidemark'],
  ['peer', 'what users pick instead'],
];

const WIDTH = 860;
const LABEL_RIGHT = 350; // labels end here, bars start here
const PLOT_RIGHT = 770; // bars end here at most; values go to the right
const TOP = 78;
const PITCH = 26;
const BAR = 17;
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const escape = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function short(n) {
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return `${+n.toPrecision(3)}`;
}

/** SVG source for the rows of one run (see `resolveRatios` for their shape). */
export function renderChart({ meta, rows }) {
  const bars = rows
    .filter((row) => row.chart && row.unit === 'ops/s' && row.value > 0)
    .sort((a, b) => b.value - a.value);
  const height = TOP + Math.max(bars.length, 1) * PITCH + 48;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600" fill="#111827">Durable writes per second, by method</text>`,
    `<text x="16" y="45" fill="#4b5563">${escape(subtitle(meta))}</text>`,
  ];
  const present = LEGEND.filter(([group]) => bars.some((row) => row.group === group));
  present.forEach(([group, text], k) => {
    const x = 16 + k * 200;
    out.push(`<rect x="${x}" y="55" width="11" height="11" fill="${COLORS[group]}"/>`,
      `<text x="${x + 16}" y="65" fill="#374151">${escape(text)}</text>`);
  });
  if (bars.length === 0) {
    out.push(`<text x="16" y="${TOP + 16}" fill="#6b7280">no rows to chart</text>`, '</svg>');
    return out.join('\n');
  }

  const lo = Math.floor(Math.log10(Math.min(...bars.map((b) => b.value)) / 2));
  const hi = Math.ceil(Math.log10(Math.max(...bars.map((b) => b.value))));
  const x = (value) => LABEL_RIGHT + ((Math.log10(value) - lo) / (hi - lo)) * (PLOT_RIGHT - LABEL_RIGHT);
  const bottom = TOP + bars.length * PITCH;
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 4}" x2="${gx}" y2="${bottom}" stroke="#e5e7eb"/>`,
      `<text x="${gx}" y="${bottom + 16}" text-anchor="middle" fill="#6b7280">${short(10 ** d)}</text>`);
  }
  out.push(`<text x="${(LABEL_RIGHT + PLOT_RIGHT) / 2}" y="${bottom + 34}" text-anchor="middle" fill="#4b5563">` +
    'events (or changes) made durable per second · log scale · higher is better</text>');
  bars.forEach((row, k) => {
    const y = TOP + k * PITCH;
    const end = x(row.value);
    const label = row.label.length > 56 ? `${row.label.slice(0, 55)}…` : row.label;
    out.push(
      `<text x="${LABEL_RIGHT - 8}" y="${y + BAR - 4}" text-anchor="end" fill="#111827">${escape(label)}</text>`,
      `<rect x="${LABEL_RIGHT}" y="${y}" width="${Math.max(end - LABEL_RIGHT, 1).toFixed(1)}" height="${BAR}" fill="${COLORS[row.group] ?? '#6b7280'}"><title>${escape(`${row.label}: ${Math.round(row.value)}/s (median of ${row.samples?.length ?? 1})`)}</title></rect>`,
      `<text x="${(end + 6).toFixed(1)}" y="${y + BAR - 4}" fill="#111827">${short(row.value)}/s</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

function subtitle(meta) {
  const date = meta.date.slice(0, 10);
  return `~100-byte events, each transaction (or burst) awaited · ${meta.chromium} headless · ${meta.cores} cores · ${meta.storage} · ${date}`;
}

// ---------------------------------------------------------------- loads

const LOAD_WIDTH = 860;
const LOAD_TOP = 104;
/** The targets the load rows are read against: at most this many times their ref. */
const LOAD_TARGET = 1.5;
const PLOT_HEIGHT = 200;

function ms(value) {
  return value >= 100 ? `${Math.round(value)} ms` : `${+value.toPrecision(2)} ms`;
}

/**
 * The second chart: how long a load takes (connectStore → ready). Left, by
 * history length (rows `tidemark.load.history.*`): it should not grow.
 * Right, by state size (`tidemark.load.state.*`), beside its floor, the
 * row it refs (gunzip + JSON.parse of the same snapshot on the page).
 */
export function renderLoadChart({ meta, rows }) {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const histories = rows.filter((row) => row.name.startsWith('tidemark.load.history.') && row.value > 0);
  const states = rows.filter((row) => row.name.startsWith('tidemark.load.state.') && row.value > 0)
    .map((row) => ({ row, floor: byName.get(row.ref) }));
  const height = LOAD_TOP + PLOT_HEIGHT + 74;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LOAD_WIDTH}" height="${height}" viewBox="0 0 ${LOAD_WIDTH} ${height}" font-family="${FONT}" font-size="12">`,
    `<rect width="${LOAD_WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600" fill="#111827">Load time: connectStore → ready state</text>`,
    `<text x="16" y="45" fill="#4b5563">${escape(loadSubtitle(meta))}</text>`,
  ];
  [['floor', 'gunzip + JSON.parse of the same snapshot (floor)'], ['tidemark', 'tidemark']].forEach(([group, text], k) => {
    const x = 16 + k * 300;
    out.push(`<rect x="${x}" y="55" width="11" height="11" fill="${COLORS[group]}"/>`,
      `<text x="${x + 16}" y="65" fill="#374151">${escape(text)}</text>`);
  });
  out.push('<line x1="416" y1="61" x2="440" y2="61" stroke="#dc2626" stroke-dasharray="4 3"/>',
    `<text x="446" y="65" fill="#374151">target: at most ${LOAD_TARGET}× the reference</text>`);
  const panels = [
    { x: 80, width: 330, title: 'by history length (default checkpoint policy)',
      bars: histories.map((row) => ({ label: `${row.name.slice('tidemark.load.history.'.length)} commits`, items: [row] })) },
    { x: 510, width: 330, title: 'by state size, beside its floor',
      bars: states.map(({ row, floor }) => ({
        label: row.name.slice('tidemark.load.state.'.length).replace(/MB$/, ' MB').replace(/KB$/, ' KB'),
        items: floor?.value > 0 ? [floor, row] : [row],
      })) },
  ];
  for (const panel of panels) out.push(...renderPanel(panel));
  out.push('</svg>');
  return out.join('\n');
}

function renderPanel({ x, width, title, bars }) {
  const out = [`<text x="${x - 50}" y="${LOAD_TOP - 16}" font-weight="600" fill="#111827">${escape(title)}</text>`];
  const bottom = LOAD_TOP + PLOT_HEIGHT;
  if (bars.length === 0) {
    out.push(`<text x="${x}" y="${LOAD_TOP + 20}" fill="#6b7280">not measured in this run</text>`);
    return out;
  }
  // The target lines: 1.5× the shortest history; 1.5× the floor for the largest state.
  const targets = bars.map((bar, k) => {
    if (bar.items.length > 1) return k === bars.length - 1 ? bar.items[0].value * LOAD_TARGET : undefined;
    return k > 0 ? bars[0].items[0].value * LOAD_TARGET : undefined;
  });
  const top = Math.max(...bars.flatMap((bar) => bar.items.map((row) => row.value)), ...targets.filter((t) => t !== undefined));
  const step = niceStep(top / 4);
  const max = Math.ceil(top / step) * step;
  const y = (value) => bottom - (value / max) * PLOT_HEIGHT;
  for (let v = 0; v <= max + step / 2; v += step) {
    out.push(`<line x1="${x}" y1="${y(v).toFixed(1)}" x2="${x + width}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${x - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#6b7280">${+v.toPrecision(3)}</text>`);
  }
  out.push(`<text x="${x - 44}" y="${LOAD_TOP + PLOT_HEIGHT / 2}" fill="#4b5563" transform="rotate(-90 ${x - 44} ${LOAD_TOP + PLOT_HEIGHT / 2})" text-anchor="middle">ms · lower is better</text>`);
  const slot = width / bars.length;
  bars.forEach((bar, k) => {
    // Drawn first, so the bars and their figures sit on top of it.
    if (targets[k] !== undefined) {
      const ty = y(targets[k]).toFixed(1);
      out.push(`<line x1="${(x + k * slot + slot * 0.1).toFixed(1)}" y1="${ty}" x2="${(x + k * slot + slot * 0.9).toFixed(1)}" y2="${ty}" stroke="#dc2626" stroke-dasharray="4 3"><title>target: at most ${LOAD_TARGET}× ${bar.items.length > 1 ? 'the floor' : 'the shortest history'}</title></line>`);
    }
    const barWidth = Math.min(48, (slot * 0.7) / bar.items.length);
    const start = x + k * slot + (slot - barWidth * bar.items.length) / 2;
    bar.items.forEach((row, j) => {
      const bx = start + j * barWidth;
      const by = y(row.value);
      const ratio = row.ratio > 0 ? ` (${row.ratio.toFixed(2)}× ${row.ref})` : '';
      out.push(
        `<rect x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${(bottom - by).toFixed(1)}" fill="${COLORS[row.group] ?? '#6b7280'}"><title>${escape(`${row.label}: ${ms(row.value)}${ratio}`)}</title></rect>`,
        `<text x="${(bx + (barWidth - 4) / 2).toFixed(1)}" y="${(by - 5).toFixed(1)}" text-anchor="middle" fill="#111827">${ms(row.value)}</text>`,
      );
    });
    const last = bar.items[bar.items.length - 1];
    const refLabel = bar.items.length > 1 ? 'the floor'
      : last.ref?.startsWith('tidemark.load.history.') ? last.ref.slice('tidemark.load.history.'.length) : undefined;
    const ratio = last.ratio > 0 && refLabel ? `${last.ratio.toFixed(2)}× ${refLabel}` : '';
    out.push(`<text x="${(x + k * slot + slot / 2).toFixed(1)}" y="${bottom + 17}" text-anchor="middle" fill="#111827">${escape(bar.label)}</text>`);
    if (ratio) {
      out.push(`<text x="${(x + k * slot + slot / 2).toFixed(1)}" y="${bottom + 33}" text-anchor="middle" fill="#4b5563">${escape(ratio)}</text>`);
    }
  });
  out.push(`<line x1="${x}" y1="${bottom}" x2="${x + width}" y2="${bottom}" stroke="#9ca3af"/>`);
  return out;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

function loadSubtitle(meta) {
  return `${meta.chromium} headless · ${meta.cores} cores · ${meta.storage} · ${meta.date.slice(0, 10)} · ` +
    'worker module boot not counted';
}
