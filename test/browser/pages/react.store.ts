// The store of the React page: two counters, so a commit can touch one slice
// of the state and leave the other alone.
import { defineStore } from 'tidemark';

export const counters = defineStore({
  name: 'react-counters',
  version: 1,
  initial: () => ({ a: 0, b: 0 }),
  events: {
    bumped: (s, e: { counter: 'a' | 'b' }) => ({ ...s, [e.counter]: s[e.counter] + 1 }),
  },
});
