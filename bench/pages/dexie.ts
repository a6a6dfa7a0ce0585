// What users pick instead, part one: Dexie 4 with the same events, the way
// its docs write them: `add` awaited per event, and `bulkAdd` per batch.
// Dexie leaves durability to the browser (relaxed in Chromium since 121),
// so its rows are compared with the relaxed floor.
import Dexie from 'dexie';
import { type Row, type Suite, makeEvent, makeEvents, rateRow, time } from './harness';
import { RAW } from './raw-idb';

export const dexie: Suite = {
  name: 'dexie',
  async run(ctx) {
    const { events, repeats } = ctx.sizes.perEvent;
    const { transactions, eventsPerTransaction: per } = ctx.sizes.batched;
    const name = ctx.dbName('dexie');
    const db = new Dexie(name);
    db.version(1).stores({ events: '++' }); // out-of-line auto-increment keys, as the floor
    const table = db.table('events');
    await db.open();

    ctx.log(`Dexie: ${repeats} × ${events} awaited add(), ${repeats} × ${transactions} bulkAdd of ${per}`);
    for (let i = 0; i < 20; i++) await table.add(makeEvent(i)); // warm up
    let next = 20;
    const adds: number[] = [];
    const bulks: number[] = [];
    for (let r = 0; r < repeats; r++) {
      adds.push((events / await time(async () => {
        for (let i = next; i < next + events; i++) await table.add(makeEvent(i));
      })) * 1000);
      next += events;
      const batches = Array.from({ length: transactions }, (_, t) => makeEvents(next + t * per, per));
      next += transactions * per;
      bulks.push((transactions * per / await time(async () => {
        for (const batch of batches) await table.bulkAdd(batch);
      })) * 1000);
    }
    db.close();
    await ctx.dropDatabase(name);

    const rows: Row[] = [
      rateRow({ name: 'dexie.add-per-event', label: 'Dexie 4: add() awaited per event',
        group: 'peer', n: events, ref: RAW.perEventRelaxed, chart: true }, adds),
      rateRow({ name: 'dexie.bulkAdd', label: `Dexie 4: bulkAdd() of ${per} events`,
        group: 'peer', n: transactions * per, ref: RAW.recordsPerTx, chart: true }, bulks),
    ];
    return rows;
  },
};
