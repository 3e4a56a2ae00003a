import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineLockModel, Locks } from '../../server/src/core/db/locks.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
  await defineLockModel(db.connection).createIndexes();
});
afterAll(async () => {
  expect(db.unportable).toEqual([]);
  await db.drop();
});

describe('database locks', () => {
  it('let holders from two processes take turns, never overlap', async () => {
    const other = await connectDatabase({ uri: db.uri, dbName: db.dbName });
    try {
      const locks = [new Locks(defineLockModel(db.connection)), new Locks(defineLockModel(other))];
      let inside = 0;
      let overlap = false;
      const order: number[] = [];
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          locks[i % 2]!.with('company:测试', async () => {
            inside++;
            if (inside > 1) overlap = true;
            await new Promise((r) => setTimeout(r, 20));
            order.push(i);
            inside--;
          }),
        ),
      );
      expect(overlap).toBe(false);
      expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await other.close();
    }
  });

  it('takes over a lock its crashed holder left behind, and gives up with CONFLICT on a live one', async () => {
    const model = defineLockModel(db.connection);
    const locks = new Locks(model);
    await model.create({ _id: 'stale', until: new Date(Date.now() - 1000) });
    expect(await locks.with('stale', async () => 'ran')).toBe('ran');
    await model.create({ _id: 'held', until: new Date(Date.now() + 60_000) });
    await expect(locks.with('held', async () => 'never', { waitMs: 100 })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('renews a lease past its time to live, and tells the holder once another process took it over', async () => {
    const model = defineLockModel(db.connection);
    const [first, second] = [new Locks(model), new Locks(model)];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const ttlMs = 1_000;
    const outcome = await first.tryWith(
      'long',
      async (lease) => {
        await sleep(500);
        expect(await lease.renew()).toBe(true);
        await sleep(700); // past the first time to live, within the renewed one
        expect(await second.tryWith('long', async () => 'overlap', { ttlMs })).toBeNull();
        await sleep(1_200); // the renewed time lapses: the lock is free to take over
        const takenOver = await second.tryWith('long', async () => lease.renew(), { ttlMs });
        expect(takenOver).toBe(false);
        return 'done';
      },
      { ttlMs },
    );
    expect(outcome).toBe('done');
    expect(await model.countDocuments({ _id: 'long' })).toBe(0);
  });

  it('renews on a timer for work without checkpoints, and tells it when the lock was lost anyway', async () => {
    const model = defineLockModel(db.connection);
    const [first, second] = [new Locks(model), new Locks(model)];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const ttlMs = 300;
    let waited = 0;
    const outcome = await first.tryWith(
      'timed',
      async (lease) => {
        await sleep(1_000); // three times the time to live, never renewing by hand
        expect(await second.tryWith('timed', async () => 'overlap', { ttlMs, waitMs: 200, onWait: () => waited++ })).toBeNull();
        expect(waited).toBe(1);
        expect(lease.lost).toBe(false);
        // as if this process stalled past its time: another takes the lock over
        await model.updateOne({ _id: 'timed' }, { $set: { until: new Date(0) } });
        await second.tryWith('timed', () => sleep(250), { ttlMs: 10_000 });
        return lease.lost;
      },
      { ttlMs, renewEveryMs: 100 },
    );
    expect(outcome).toBe(true);
    expect(await model.countDocuments({ _id: 'timed' })).toBe(0);
  });
});
