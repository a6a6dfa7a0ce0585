// The parts of fflate tidemark uses, as one module to import lazily: a
// dynamic import('fflate') would keep all of fflate (~12 KB gzip) where
// these two need about half (see loadFflate in snapshot-codec.ts).
export { Gzip, gunzipSync } from 'fflate';
