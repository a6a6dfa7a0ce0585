// The remote backup in Chromium, with its offline switch: commits wait while
// the context is offline and go up when it is back; a new device whose bucket
// does not answer as it opens takes its history later. (Uploads, hydration of a
// second profile and a kill mid-upload run in every engine: engines/remote.test.ts.)
import { describe, expect, it } from 'vitest';
import { checkBucket } from '../unit/bucket-layout';
import { bucketRemote } from '../remote/s3-server';
import { waitFor } from './harness';
import type { RemotePageApi } from './pages/remote';
import { remotePageReady, remoteSetup as setup, rm, useRemotePages } from './remote-page';

const pages = useRemotePages();
const openPage = pages.open;

describe('remote backup in Chromium, against Ceph RGW, offline and back', () => {
  it('offline, commits wait; back online, they go up', async () => {
    const { bucket, config } = await setup('offline');
    const { page, context } = await openPage();
    await rm(page, 'connect', config);
    await context.setOffline(true);
    await rm(page, 'append', 1, 5);
    await waitFor(page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().pendingCommits === 5, { what: 'five commits waiting' });
    expect((await rm(page, 'remote')).uploadedSeq).toBe(0);
    expect(await rm(page, 'statuses')).toContain('offline'); // the worker sees navigator.onLine go false
    await context.setOffline(false);
    await rm(page, 'whenUploaded');
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(5);
  });

  it("a new device whose bucket does not answer as it opens starts empty, and takes the bucket's history once it does", async () => {
    const { bucket, config } = await setup('late');
    const laptop = await openPage();
    await rm(laptop.page, 'connect', config);
    await rm(laptop.page, 'append', 1, 20);
    await rm(laptop.page, 'whenUploaded');
    const uploaded = await rm(laptop.page, 'state');

    const phone = await openPage();
    const bucketUrl = `${config.s3.endpoint}/${bucket.name}**`;
    await phone.context.route(bucketUrl, (route) => route.abort('connectionreset'));
    const opened = await rm(phone.page, 'connect', config);
    expect(opened.loadReport.source).not.toBe('remote');
    expect(opened.seq).toBe(0);
    await waitFor(phone.page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().lastError?.retrying === true, { what: 'the phone to retry the bucket' });
    await phone.context.unroute(bucketUrl);
    await waitFor(phone.page, () => (window as unknown as { rm: RemotePageApi }).rm.state().seq === 20, { what: "the phone to take the bucket's 20 commits", timeoutMs: 20_000 });
    expect((await rm(phone.page, 'state')).hash).toBe(uploaded.hash);
    await waitFor(phone.page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq === 20, { what: 'the phone to count them as uploaded' });
    expect((await rm(phone.page, 'remote')).lastError).toBeNull();
  });

  it('two tabs of one device commit at once: one upload at a time, no object twice, both tabs see the bucket caught up', async () => {
    const { bucket, config } = await setup('tabs');
    const first = await openPage();
    const second = await first.context.newPage();
    await second.goto(pages.harness().url('/test/browser/pages/remote.html'));
    await remotePageReady(second);
    await rm(first.page, 'connect', config);
    await rm(second, 'connect', config);
    await Promise.all([rm(first.page, 'append', 1, 50), rm(second, 'append', 1001, 1050)]);
    await Promise.all([rm(first.page, 'whenUploaded'), rm(second, 'whenUploaded')]);
    const seq = (await rm(first.page, 'state')).seq;
    expect(seq).toBe(100);
    expect((await checkBucket(bucketRemote(bucket, config.s3.prefix), config.store.name)).through).toBe(100);
    // The tab that did not upload last still hears of it (its next round reads the shared cursor).
    await waitFor(second, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq === 100, { what: 'the second tab to see everything uploaded' });
    await waitFor(first.page, () => (window as unknown as { rm: RemotePageApi }).rm.remote().uploadedSeq === 100, { what: 'the first tab to see everything uploaded' });
  });
});
