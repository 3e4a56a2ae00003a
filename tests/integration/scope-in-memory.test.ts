// The customer scope has two forms: the MongoDB filter lists and reports run, and the same rule on
// a record already read by id (lookups that fetch by _id alone). Both must give every login the
// same customers, collaborators, departments and service assignments included.
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCustomers } from '../../server/src/modules/demo/demo-seed.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  await seedDemoCustomers(t.app.models, t.app.services.clock, { customers: 300, batchSize: 100 });
  const users = await t.inspect.users.find({}).lean();
  const rep = users.find((u) => u.login === 'rep.east1')!;
  const manager = users.find((u) => u.login === 'manager.south')!;
  const service = users.find((u) => u.login === 'service1')!;
  const some = await t.inspect.customers.find({}).limit(40).lean();
  // collaborators across teams, customers in the pool, and tickets assigned to the service user
  await t.inspect.customers.updateMany({ _id: { $in: some.slice(0, 10).map((c) => c._id) } }, { $set: { collaboratorIds: [rep._id, manager._id] } });
  await t.inspect.customers.updateMany({ _id: { $in: some.slice(10, 20).map((c) => c._id) } }, { $set: { ownerId: null, ownerDepartmentId: null } });
  await t.inspect.customers.updateMany({ _id: { $in: some.slice(20, 25).map((c) => c._id) } }, { $set: { ownerDepartmentId: null } });
  for (const c of some.slice(25, 30)) {
    await t.inspect.tickets.collection.insertOne({ customerId: c._id, assigneeId: service._id, number: `T${c._id}`, status: 'open', createdAt: new Date() });
  }
});
afterAll(() => t.close());

describe('the customer scope in memory', () => {
  it('answers as the query does for every login', async () => {
    const all = await t.inspect.customers.find({}, { ownerId: 1, ownerDepartmentId: 1, collaboratorIds: 1 }).lean();
    expect(all.length).toBe(300);
    for (const user of await t.inspect.users.find({ active: true }).lean()) {
      const scope = (await t.app.services.auth.scopeFor(user._id.toHexString()))!;
      const queried = (await t.inspect.customers.find({ $and: [{}, scope.filter('customer')] }, { _id: 1 }).lean()).map((c) => String(c._id)).sort();
      const inMemory = all.filter((c) => scope.seesCustomer(c as { _id: Types.ObjectId })).map((c) => String(c._id)).sort();
      expect(inMemory, user.login).toEqual(queried);
    }
  });
});
