import { describe, expect, test } from 'vitest';
import type { RemoteStatus } from 'tidemark';
import { saveStatusOf } from 'tidemark/react';
import { memoryRemote } from 'tidemark/worker';
import { freshIndexedDB, open, todoStore } from './fixtures.js';

function storeWith(pendingCommits: number, remote: Partial<RemoteStatus>) {
  const status: RemoteStatus = { status: 'off', uploadedSeq: 0, pendingCommits: 0, lastError: null, ...remote };
  return { pendingCommits, remote: status, subscribe: () => () => {} } as unknown as Parameters<typeof saveStatusOf>[0];
}

describe('saveStatusOf: where the page\'s commits are', () => {
  test.each([
    ['saving', 2, {}],
    ['saved', 0, { status: 'off' }],
    ['backing-up', 0, { status: 'uploading', pendingCommits: 3 }],
    ['offline', 0, { status: 'offline', pendingCommits: 3 }],
    ['backup-failed', 0, { status: 'error', pendingCommits: 3 }],
    ['backed-up', 0, { status: 'idle' }],
    ['saving', 1, { status: 'offline', pendingCommits: 3 }],
  ] as const)('%s when %i commits are not durable and the remote is %o', (expected, pending, remote) => {
    expect(saveStatusOf(storeWith(pending, remote))).toBe(expected);
  });

  test('follows a real store from saved locally to backed up', async () => {
    const store = await open(todoStore(), freshIndexedDB(), { remote: memoryRemote({ uploadDelayMs: 10_000 }) });
    expect(saveStatusOf(store)).toBe('backed-up');
    await store.commit({ type: 'incremented', by: 1 });
    expect(saveStatusOf(store)).toBe('backing-up');
    await store.whenUploaded();
    expect(saveStatusOf(store)).toBe('backed-up');
    await store.close();
  });
});
