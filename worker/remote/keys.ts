// The keys of a store's objects under its prefix (see objects.ts for what they hold).

const pad = (seq: number) => String(seq).padStart(20, '0');
export const snapshotKey = (seq: number) => `snap/${pad(seq)}`;
export const segmentKey = (first: number) => `log/${pad(first)}`;

/** The seq in a `snap/…` or `log/…` key; NaN for a key of another shape. */
export function seqOfKey(key: string): number {
  const match = /^(?:snap|log)\/(\d{20})$/.exec(key);
  return match ? Number(match[1]) : NaN;
}
