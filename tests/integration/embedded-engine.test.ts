// The launcher's in-memory backend (tools/embedded-mongo, IndexedMemoryBackend) narrows queries
// with the collection's indexes and selects the best skip+limit matches instead of sorting all of
// them. Its answers must be exactly those of a full read and a full sort.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
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

// The launcher keeps non-unique indexes (SecondaryIndex) and narrows queries with them
// (IndexPlanner). Every answer must be exactly that of reading the whole collection: the same
// documents in the same order, through inserts, updates of indexed values, deletes and reused slots.
describe('indexed reads on the embedded engine', () => {
  it('answer every query shape as a full read does, through writes', async () => {
    const indexed = db.connection.collection('indexed');
    const plain = db.connection.collection('plain'); // no indexes but _id: always a full read
    await indexed.createIndex({ owner: 1, deleted: 1, at: -1 });
    await indexed.createIndex({ tags: 1 });
    await indexed.createIndex({ tags: 1, at: -1 }); // the same first field: it takes over when tags_1 is dropped
    await indexed.createIndex({ 'steps.who': 1, state: 1 });
    await indexed.createIndex({ n: 1 });
    await indexed.createIndex({ 'path.0': 1 });
    await indexed.createIndex({ code: 1 }, { unique: true, sparse: true });
    await plain.createIndex({ code: 1 }, { unique: true, sparse: true });
    await indexed.createIndex({ batch: 1, slot: 1 }, { unique: true }); // as an import row's importId and index
    await indexed.createIndex({ batch: 1, tags: 1 });
    await plain.createIndex({ batch: 1, slot: 1 }, { unique: true });

    let seed = 11;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const owners = Array.from({ length: 6 }, () => new ObjectId());
    const departments = Array.from({ length: 4 }, () => new ObjectId());
    const numbers = [1, 2, 3.5, new Int32(1), new Double(1), Long.fromNumber(2), Decimal128.fromString('1'), Long.fromString('9007199254740993')];
    const words = ['py:abc', 'py:abd', 'py:b', 'n:张三', 'n:李四', 't4:8000', 'a.b', 'x'];
    let codes = 0;
    let slots = 0;
    const makeDoc = (): Record<string, unknown> => {
      const doc: Record<string, unknown> = { _id: new ObjectId(), at: new Date(Date.UTC(2026, 0, 1 + Math.floor(rand() * 60))), batch: slots % 3, slot: slots++ };
      const r = rand();
      if (r < 0.7) doc.owner = pick(owners);
      else if (r < 0.8) doc.owner = null;
      if (rand() < 0.8) doc.tags = Array.from({ length: Math.floor(rand() * 4) }, () => pick(words));
      else if (rand() < 0.5) doc.tags = pick(words); // a scalar where others hold arrays
      if (rand() < 0.6) doc.steps = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({ who: [pick(owners), pick(owners)], state: pick(['pending', 'done']) }));
      if (rand() < 0.9) doc.n = pick(numbers);
      if (rand() < 0.8) doc.path = [pick(departments), pick(departments)];
      if (rand() < 0.3) doc.code = `c${codes++}`;
      doc.deleted = rand() < 0.15 ? new Date() : null;
      return doc;
    };
    const both = async (write: (c: typeof indexed) => Promise<unknown>) => {
      await write(indexed);
      await write(plain);
    };
    const [o1, o2, o3] = owners;
    const [d1, d2] = departments;
    const queries = (ids: ObjectId[]): { filter: Record<string, unknown>; sort?: Record<string, 1 | -1>; limit?: number }[] => [
      { filter: { owner: o1 } },
      { filter: { owner: { $eq: o2 }, deleted: null } },
      { filter: { owner: { $in: [o1, o3] } } },
      { filter: { owner: { $in: [] } } },
      { filter: { owner: null } },
      { filter: { owner: { $in: [o1, null] } } },
      { filter: { owner: o1, n: { $gt: 1 } } },
      { filter: { $or: [{ owner: o1 }, { tags: 'x' }] } },
      { filter: { $or: [{ owner: o1 }, { n: { $gt: 2 } }] } },
      { filter: { $and: [{ $or: [{ owner: o2 }, { 'steps.who': o2 }] }, { deleted: null }] }, sort: { at: -1, _id: -1 }, limit: 7 },
      { filter: { $and: [{ $or: [{ owner: o3 }, { 'path.0': d1 }] }, { deleted: null }, { tags: { $all: ['py:abc', 'x'] } }] } },
      { filter: { tags: 'n:张三' } },
      { filter: { tags: { $all: ['py:abc', 'py:abd'] } } },
      { filter: { tags: { $regex: '^py:ab' } } },
      { filter: { tags: /^py:a/ } },
      { filter: { tags: { $regex: '^PY:AB', $options: 'i' } } },
      { filter: { tags: { $regex: '^a\\.b' } } },
      { filter: { tags: { $regex: '^a.b' } } },
      { filter: { tags: { $regex: 'abc' } } },
      { filter: { tags: { $in: ['x', /^py:b/] } } },
      { filter: { 'steps.who': o1, 'steps.state': 'pending' } },
      { filter: { steps: { $elemMatch: { who: o2, state: 'done' } } } },
      { filter: { 'path.0': d2 } },
      { filter: { 'path.0': { $in: [d1, d2] } }, sort: { at: 1, _id: 1 }, limit: 5 },
      { filter: { n: 1 } },
      { filter: { n: new Double(2) } },
      { filter: { n: { $in: [3.5, Long.fromString('9007199254740993')] } } },
      { filter: { n: Decimal128.fromString('1') } },
      { filter: { _id: ids[0], deleted: null } },
      { filter: { _id: { $in: ids.slice(0, 5) }, owner: { $ne: o1 } } },
      { filter: { code: 'c3' } },
      { filter: { code: { $in: ['c1', 'c5', 'nope'] }, deleted: null } },
      { filter: { $nor: [{ owner: o1 }], tags: 'x' } },
      { filter: { batch: 1, slot: 7 } },
      { filter: { batch: { $eq: 2 }, slot: 8, deleted: null } },
      { filter: { batch: 2, slot: 7 } },
      { filter: { batch: 0, slot: { $gte: 300 } }, sort: { slot: 1 }, limit: 10 },
    ];
    const compare = async (round: string) => {
      const ids = (await plain.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id as ObjectId);
      for (const { filter, sort, limit } of queries(ids)) {
        const read = async (c: typeof indexed) => (await c.find(filter, { sort, limit }).toArray().catch((e) => { throw new Error(`${c.collectionName} ${round} ${JSON.stringify(filter)}: ${e}`); })).map((d) => String(d._id));
        expect({ round, filter, got: await read(indexed) }).toEqual({ round, filter, got: await read(plain) });
        expect({ round, filter, count: await indexed.countDocuments(filter) }).toEqual({ round, filter, count: await plain.countDocuments(filter) });
      }
    };

    const initial = Array.from({ length: 400 }, makeDoc);
    await both((c) => c.insertMany(initial.map((d) => ({ ...d }))));
    await compare('inserted');
    for (let round = 0; round < 4; round++) {
      // every random choice is made once, outside the writes, so both collections get the same ones
      const [target, other, dropped, moved] = [pick(owners), pick(owners), pick(owners), pick(departments)];
      const now = new Date();
      await both((c) => c.updateMany({ owner: target }, { $set: { owner: other, tags: ['x', 'py:abc'] } }));
      await both((c) => c.updateMany({ tags: 'py:abd' }, { $set: { tags: ['n:李四', 'py:abde'], n: 3.5 } }));
      await both((c) => c.updateMany({ 'path.0': departments[round] }, { $set: { 'path.0': moved }, $unset: { code: '' } }));
      await both((c) => c.updateMany({ n: 1 }, { $set: { 'steps.0.who': [target] } }));
      await both((c) => c.findOneAndUpdate({ owner: other, deleted: null }, { $set: { deleted: now, tags: 'n:李四' } }, { sort: { at: -1, _id: -1 } }));
      await both((c) => c.deleteMany({ $or: [{ 'steps.who': dropped, 'steps.state': 'done' }, { tags: 'py:b' }] }));
      const fresh = Array.from({ length: 60 }, makeDoc); // fills the slots the deletes freed
      await both((c) => c.insertMany(fresh.map((d) => ({ ...d }))));
      await both((c) => c.replaceOne({ owner: target }, { owner: null, tags: ['x'], n: 2, batch: 1, slot: -1 - round }));
      await compare(`round ${round}`);
    }
    // an index made over existing documents takes them all in
    await indexed.createIndex({ at: 1 });
    const someAt = (await plain.findOne({ owner: { $ne: null } }))!.at as Date;
    expect((await indexed.find({ at: someAt }).toArray()).map((d) => String(d._id))).toEqual((await plain.find({ at: someAt }).toArray()).map((d) => String(d._id)));
    await indexed.dropIndex('tags_1');
    await compare('after a drop');
  });

  it('take in documents written while an index is built', async () => {
    const collection = db.connection.collection('racing');
    const owners = [new ObjectId(), new ObjectId()];
    await collection.insertMany(Array.from({ length: 20_000 }, (_, i) => ({ owner: owners[i % 2], i })));
    // writers on several pooled connections, staggered over the time the index over 20,000 documents takes to build
    const writes = Array.from({ length: 40 }, (_, w) =>
      new Promise((resolve) => setTimeout(resolve, w * 2)).then(() => collection.insertMany(Array.from({ length: 50 }, (_, i) => ({ owner: owners[i % 2], i: 100_000 + w * 50 + i })))),
    );
    await Promise.all([collection.createIndex({ owner: 1 }), ...writes]);
    for (const owner of owners) {
      const planned = await collection.countDocuments({ owner });
      const fullRead = await collection.countDocuments({ $nor: [{ owner: { $ne: owner } }] }); // no lookup serves $nor
      expect(planned).toBe(fullRead);
      expect(planned).toBe(11_000);
    }
  });
});
