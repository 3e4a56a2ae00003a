import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoCustomers } from '../../server/src/modules/demo/demo-seed.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
let totals: { customers: number; contacts: number; followUps: number };

beforeAll(async () => {
  t = await startTestApp();
  totals = await seedDemoCustomers(t.app.models, t.app.services.clock, { customers: 200, batchSize: 64 });
});
afterAll(() => t.close());

describe('demo customers', () => {
  it('adds the number asked for, with contacts and follow-ups', async () => {
    expect(totals.customers).toBe(200);
    expect(await t.inspect.customers.countDocuments()).toBe(200);
    expect(totals.contacts).toBeGreaterThan(100);
    expect(totals.followUps).toBeGreaterThan(100);
  });

  it('spreads them over the reps, the pool, idle and 待补充 ones, across China', async () => {
    const customers = await t.inspect.customers.find().lean();
    expect(new Set(customers.map((c) => String(c.ownerId))).size).toBeGreaterThanOrEqual(6);
    expect(customers.filter((c) => c.pool).length).toBeGreaterThan(5);
    expect(customers.filter((c) => c.needsCompletion.length > 0).length).toBeGreaterThan(5);
    expect(customers.filter((c) => !c.lastFollowUpAt || c.lastFollowUpAt < new Date(Date.now() - 21 * 86_400_000)).length).toBeGreaterThan(10);
    expect(new Set(customers.map((c) => c.region?.province).filter(Boolean)).size).toBeGreaterThan(10);
    expect(customers.some((c) => c.type === 'person')).toBe(true);
  });

  it('gives them the keys the API derives, so search and duplicate control work on them', async () => {
    const rep = await t.login('rep.east1');
    const mine = (await (await t.request('/api/customers?owner=me&limit=1', { token: rep })).json()) as Json;
    const customer = mine.items[0];
    const found = (await (await t.request(`/api/search?q=${encodeURIComponent(customer.name)}`, { token: rep })).json()) as Json;
    expect(found.customers.map((c: Json) => c.id)).toContain(customer.id);
    if (customer.phones[0]) {
      const dup = (await (await t.request(`/api/customers/check-duplicate?phone=${customer.phones[0]}`, { token: rep })).json()) as Json;
      expect(dup.matches[0].id).toBe(customer.id);
    }
    const contacts = (await (await t.request(`/api/customers/${customer.id}/contacts`, { token: rep })).json()) as Json;
    if (customer.type === 'company') expect(contacts.items.length).toBeGreaterThan(0);
  });
});
