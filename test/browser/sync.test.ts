// Sync mode in Chromium: two browser contexts are two devices (each its own
// IndexedDB), syncing through a real S3 bucket (Ceph RGW). Both edit while
// offline (the context's network switched off), come back, and end equal.
import { describe, expect, it } from 'vitest';
import { remoteSetup, rm, useRemotePages } from './remote-page';

const device = useRemotePages().open;

describe('sync mode in Chromium, against Ceph RGW', () => {
  it('two devices edit offline, reconnect, and end with the same state holding every commit once', async () => {
    const { config } = await remoteSetup('sync', 'sync');
    const laptop = await device();
    const phone = await device();
    await rm(laptop.page, 'connect', config);
    await rm(phone.page, 'connect', config);
    await rm(laptop.page, 'append', 1, 5);
    await rm(laptop.page, 'whenUploaded');
    await rm(phone.page, 'whenUploaded');
    expect((await rm(phone.page, 'state')).length).toBe(5);

    await laptop.context.setOffline(true);
    await phone.context.setOffline(true);
    await rm(laptop.page, 'append', 100, 104);
    await rm(phone.page, 'append', 200, 204);
    expect((await rm(laptop.page, 'state')).length).toBe(10);
    await laptop.context.setOffline(false);
    await phone.context.setOffline(false);
    for (let round = 0; round < 2; round++) {
      await rm(laptop.page, 'whenUploaded');
      await rm(phone.page, 'whenUploaded');
    }
    const [a, b] = [await rm(laptop.page, 'state'), await rm(phone.page, 'state')];
    expect(a.length).toBe(15);
    expect(a.hash).toBe(b.hash);
    expect([...a.list].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 200, 201, 202, 203, 204]);
    expect(laptop.errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  });
});
