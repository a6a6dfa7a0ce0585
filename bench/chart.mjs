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
  return `~100-byte events, each write awaited · ${meta.chromium} headless · ${meta.cores} cores · ${meta.storage} · ${date}`;
}
