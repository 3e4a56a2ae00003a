// The watcher that every integration test file ends with really catches what the embedded engine
// lacks when it reaches the driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.drop());

describe('portability watcher', () => {
  it('records a $text query, a partial index and a TTL index', async () => {
    const collection = db.connection.collection('probe');
    await collection.insertOne({ name: '华为' });
    await collection.find({ $text: { $search: '华为' } }).toArray().catch(() => undefined);
    await collection.createIndex({ name: 1 }, { partialFilterExpression: { name: { $exists: true } } }).catch(() => undefined);
    await collection.createIndex({ at: 1 }, { expireAfterSeconds: 60 }).catch(() => undefined);
    const features = new Set(db.unportable.map((u) => u.feature));
    expect(features).toContain('$text queries');
    expect(features).toContain('partial indexes');
    expect(features).toContain('TTL indexes (they never expire on the embedded engine)');
    db.unportable.length = 0;
  });

  it('cannot even send a transaction to the embedded engine (the source scan guards that)', async () => {
    const session = db.connection.getClient().startSession();
    try {
      session.startTransaction();
      await expect(db.connection.collection('probe').insertOne({ name: 'x' }, { session })).rejects.toThrow();
    } finally {
      await session.abortTransaction().catch(() => undefined);
      await session.endSession();
    }
  });

  it('stays quiet for ordinary queries', async () => {
    const collection = db.connection.collection('probe2');
    await collection.createIndex({ login: 1 }, { unique: true });
    await collection.insertOne({ login: 'a', n: 1 });
    await collection.findOneAndUpdate({ login: 'a', n: 1 }, { $inc: { n: 1 } });
    await collection.aggregate([{ $group: { _id: '$login', count: { $sum: 1 } } }]).toArray();
    expect(db.unportable).toEqual([]);
  });
});
