// How the demo writes numbers, sizes, times and load reports.
import type { LoadReport } from 'tidemark';

const integer = new Intl.NumberFormat('en-US');

/** 10000 → "10 000" (with a narrow no-break space). */
export function count(n: number): string {
  return integer.format(n).replaceAll(',', '\u202f');
}

/** 1536 → "1.5 KB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

/** 12.345 → "12 ms", 1834 → "1.83 s". */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** How long ago `at` (epoch ms) was: "just now", "42 s ago", "3 min ago". */
export function age(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** Epoch ms → "14:03:27". */
export function clock(at: number): string {
  return new Date(at).toLocaleTimeString('en-GB');
}

/** "snapshot #1 000 + 12 commits in 8 ms", "the start of the journal + 6 commits in 5 ms", "an empty database in 4 ms". */
export function loadSummary(report: LoadReport): string {
  if (report.snapshotSeq === 0 && report.commitsReplayed === 0) return `an empty database in ${duration(report.ms)}`;
  const from = report.snapshotSeq === 0 ? 'the start of the journal' : `snapshot #${count(report.snapshotSeq)}`;
  const replayed = `${count(report.commitsReplayed)} ${report.commitsReplayed === 1 ? 'commit' : 'commits'}`;
  const fellBack = report.fellBack ? ` (fell back: ${report.damaged.length} damaged)` : '';
  return `${from} + ${replayed} in ${duration(report.ms)}${fellBack}`;
}
