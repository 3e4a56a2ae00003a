// The weekly cleaning and the data-quality report: flags set (never a record deleted), exact
// figures under each scope, the weekly trend, and the owners' data-quality card.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-09-01T02:00:00Z'); // a Tuesday
let t: TestApp;
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  for (const login of ['admin', 'director', 'manager.east', 'manager.south', 'rep.east1', 'rep.south1']) {
    tokens[login] = await t.login(login);
    ids[login] = ((await (await t.request('/api/me', { token: tokens[login] })).json()) as Json).id;
  }
});
afterAll(() => t.close());

async function api(method: string, path: string, token: string, json?: unknown) {
  const response = await t.request(path, { method, token, ...(json !== undefined ? { json } : {}) });
  return { status: response.status, body: (await response.json().catch(() => null)) as Json };
}

async function create(login: string, body: Json) {
  const created = await api('POST', '/api/customers', tokens[login]!, { type: 'company', source: '转介绍', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

const complete = { industry: '教育', level: 'A', phones: [] as string[], region: { province: '浙江省', city: '杭州市' } };

describe('data quality', () => {
  const east: Record<string, string> = {};

  beforeAll(async () => {
    // rep.east1: an old incomplete customer, a complete one with a phone, one whose stored phone is
    // broken (as older data may be), and a pair of duplicates left in the review queue
    east.old = await create('rep.east1', { name: '资料不全老客户有限公司', industry: '教育' });
    clock.advance(40 * 86_400_000);
    east.full = await create('rep.east1', { name: '资料齐全有限公司', ...complete, phones: ['13800138011'] });
    await api('POST', `/api/customers/${east.full}/contacts`, tokens['rep.east1']!, { name: '周明' });
    east.broken = await create('rep.east1', { name: '电话有误有限公司', ...complete, phones: ['13800138012'] });
    await t.inspect.customers.updateOne({ _id: east.broken }, { $set: { phones: ['0000-1'] } });
    east.dupA = await create('rep.east1', { name: '杭州恒通网络科技有限公司', ...complete, address: '文三路1号' });
    east.dupB = await create('rep.east1', { name: '恒通科技', ...complete, address: '文三路1号' });
    for (const id of [east.dupA, east.dupB]) await api('POST', `/api/customers/${id}/contacts`, tokens['rep.east1']!, { name: '王建国' });
    await create('rep.south1', { name: '华南客户有限公司', industry: '教育' });
    await api('POST', '/api/duplicates/scan', tokens['admin']!);
    clock.advance(8 * 86_400_000); // the pair has waited over a week
  });

  it('flags without deleting anything', async () => {
    const before = await t.inspect.customers.countDocuments({ deletedAt: null });
    expect((await api('POST', '/api/quality/clean', tokens['manager.east']!)).status).toBe(403);
    const cleaned = await api('POST', '/api/quality/clean', tokens['admin']!);
    expect(cleaned.status).toBe(200);
    expect(cleaned.body.flagged).toEqual({ invalidPhone: 1, staleIncomplete: 1, possibleDuplicate: 2 });
    expect(await t.inspect.customers.countDocuments({ deletedAt: null })).toBe(before);
    const old = await t.inspect.customers.findById(east.old).lean();
    expect(old!.qualityFlags).toEqual(['staleIncomplete']);
    // fixing the phone clears its flag at the next cleaning
    await t.inspect.customers.updateOne({ _id: east.broken }, { $set: { phones: ['13800138012'] } });
    await api('POST', '/api/quality/clean', tokens['admin']!);
    expect((await t.inspect.customers.findById(east.broken).lean())!.qualityFlags).toBeUndefined();
    await t.inspect.customers.updateOne({ _id: east.broken }, { $set: { phones: ['0000-1'] } });
    await api('POST', '/api/quality/clean', tokens['admin']!);
  });

  it("gives a rep their own book's figures, exactly", async () => {
    const report = (await api('GET', '/api/reports/quality', tokens['rep.east1']!)).body;
    expect(report.total).toMatchObject({
      customers: 5,
      companies: 5,
      withPhone: 2,
      withRegion: 4,
      withIndustry: 5,
      withLevel: 4,
      withContact: 3,
      invalidPhones: 1,
      staleIncomplete: 1,
      possibleDuplicates: 2,
    });
    expect(report.total.completeness).toEqual({ phone: 0.4, region: 0.8, industry: 1, level: 0.8, contact: 0.6 });
    expect(report.total.validPhoneRate).toBe(0.5);
    expect(report.total.duplicateRate).toBe(0.4);
    expect(report.byOwner).toHaveLength(1);
    expect(report.byOwner[0].owner.id).toBe(ids['rep.east1']);
  });

  it("keeps each manager's report to their tree", async () => {
    const eastReport = (await api('GET', '/api/reports/quality', tokens['manager.east']!)).body;
    expect(eastReport.total.customers).toBe(5);
    expect(eastReport.byTeam).toHaveLength(1);
    const southReport = (await api('GET', '/api/reports/quality', tokens['manager.south']!)).body;
    expect(southReport.total.customers).toBe(1);
    expect(JSON.stringify(southReport)).not.toContain(ids['rep.east1']!);
    const all = (await api('GET', '/api/reports/quality', tokens['director']!)).body;
    expect(all.total.customers).toBe(6);
  });

  it('keeps a weekly trend', async () => {
    clock.advance(7 * 86_400_000);
    await create('rep.east1', { name: '下周新客户有限公司', ...complete, phones: ['13800138019'] });
    await api('POST', '/api/quality/clean', tokens['admin']!);
    const trend = (await api('GET', '/api/reports/quality', tokens['rep.east1']!)).body.trend;
    expect(trend.map((w: Json) => w.customers)).toEqual([5, 6]);
    expect(trend[1].week > trend[0].week).toBe(true);
    expect(new Date(`${trend[0].week}T00:00:00Z`).getUTCDay()).toBe(1); // weeks start on Monday
  });

  it("sends each owner the data-quality card with the cleaning's findings", async () => {
    await t.app.services.rules.run('dataQuality');
    const cards = (await t.inspect.outbox.find({ userId: ids['rep.east1'] }).lean()).map((e) => e.card);
    const card = cards.find((c) => c.data.kind === 'dataQuality')!;
    expect(card.data).toMatchObject({ incomplete: 3, invalidPhones: 1, duplicateCustomers: 2 }); // the old one and the pair lack a phone
  });
});
