// The launcher's in-memory backend selects the best skip+limit matches instead of sorting all of
// them (tools/embedded-mongo, TopKMemoryBackend). Its pages must be exactly those of a full sort.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.drop());

describe('sorted pages on the embedded engine', () => {
  it('match the full sort for every sort, skip and limit, with ties, nulls and missing fields', async () => {
    const collection = db.connection.collection('topk');
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const docs = Array.from({ length: 600 }, (_, i) => {
      const doc: Record<string, unknown> = { n: i, group: Math.floor(rand() * 3) };
      const r = rand();
      if (r < 0.1) doc.score = null;
      else if (r > 0.2) doc.score = Math.floor(rand() * 20); // many ties
      doc.at = rand() < 0.15 ? null : new Date(Date.UTC(2026, 0, 1 + Math.floor(rand() * 30)));
      doc.name = ['张', '李', 'wang', 'Li', ''][Math.floor(rand() * 5)];
      return doc;
    });
    await collection.insertMany(docs);
    const sorts: Record<string, 1 | -1>[] = [{ score: 1 }, { score: -1 }, { at: -1, n: 1 }, { name: 1, score: -1 }, { group: 1, at: 1 }];
    for (const sort of sorts) {
      for (const filter of [{}, { group: { $in: [0, 2] } }]) {
        const full = (await collection.find(filter, { sort, projection: { n: 1, _id: 0 } }).toArray()).map((d) => d.n);
        for (const [skip, limit] of [[0, 1], [0, 21], [5, 20], [590, 20], [0, 1000]] as const) {
          const page = (await collection.find(filter, { sort, skip, limit, projection: { n: 1, _id: 0 } }).toArray()).map((d) => d.n);
          expect([JSON.stringify(sort), JSON.stringify(filter), skip, limit, page]).toEqual([
            JSON.stringify(sort), JSON.stringify(filter), skip, limit, full.slice(skip, skip + limit),
          ]);
        }
      }
    }
  });
});
