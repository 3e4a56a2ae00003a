import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-06-01T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

let serial = 0;
async function customerOf(login: DemoLogin, extra: Json = {}): Promise<string> {
  serial++;
  const response = await t.request('/api/customers', {
    method: 'POST',
    token: tokens[login],
    json: { type: 'company', name: `公海测试${serial}号有限公司`, industry: '制造业', source: '展会', phones: [`1390000${String(serial).padStart(4, '0')}`], ...extra },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as Json).id;
}

async function release(login: DemoLogin, id: string) {
  return t.request(`/api/customers/${id}/release`, { method: 'POST', token: tokens[login], json: { reason: '无意向' } });
}
const claim = (login: DemoLogin, id: string) => t.request(`/api/customers/${id}/claim`, { method: 'POST', token: tokens[login] });

describe('public pool (公海)', () => {
  it('takes a released customer, shows it to reps masked, and hides its details until claimed', async () => {
    const id = await customerOf('rep.east1');
    expect((await release('rep.east2', id)).status).toBe(404); // not theirs
    const released = await release('rep.east1', id);
    expect(released.status).toBe(200);
    expect(await released.json()).toMatchObject({ pool: { name: '公海' } });

    const pool = (await (await t.request('/api/pool', { token: tokens['rep.south1'] })).json()) as Json;
    const entry = pool.items.find((c: Json) => c.id === id);
    expect(entry).toMatchObject({ access: 'pool', owner: null, pool: { name: '公海' }, address: null, notes: null });
    expect(entry.phones[0]).toMatch(/^139\*{4}\d{4}$/);
    // reachable as a pool record, but its contacts and follow-ups are not
    expect((await t.request(`/api/customers/${id}`, { token: tokens['rep.south1'] })).status).toBe(200);
    expect((await t.request(`/api/customers/${id}/contacts`, { token: tokens['rep.south1'] })).status).toBe(404);
    expect((await t.request(`/api/customers/${id}/follow-ups`, { token: tokens['rep.south1'] })).status).toBe(404);
    expect((await t.request('/api/pool', { token: tokens.service1 })).status).toBe(200);
    expect(((await (await t.request('/api/pool', { token: tokens.service1 })).json()) as Json).items).toEqual([]);
  });

  it('lets exactly one of two reps claiming at once win; the other gets CONFLICT', async () => {
    const id = await customerOf('rep.east1');
    await release('rep.east1', id);
    const [a, b] = await Promise.all([claim('rep.east2', id), claim('rep.south1', id)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    expect(((await loser.json()) as Json).error.code).toBe('CONFLICT');
    const stored = await t.inspect.customers.findById(id).lean();
    expect(stored!.pool).toBeNull();
    expect([ids['rep.east2'], ids['rep.south1']]).toContain(stored!.ownerId!.toHexString());
    // the loser's daily claim was given back
    const counters = await t.inspect.claimCounters.find({}).lean();
    expect(counters.reduce((sum, c) => sum + c.count, 0)).toBe(1);
  });

  it('keeps a former owner from re-claiming within the cool-down', async () => {
    const id = await customerOf('rep.east3');
    await release('rep.east3', id);
    const again = await claim('rep.east3', id);
    expect(again.status).toBe(403);
    expect(((await again.json()) as Json).error.message).toBe('放弃后 7 天内不能重新领取该客户');
    clock.advance(8 * 86_400_000);
    expect((await claim('rep.east3', id)).status).toBe(200);
  });

  it('enforces the daily claim limit and the holding limit from settings', async () => {
    const put = await t.request('/api/settings/pool', { method: 'PUT', token: tokens.admin, json: { dailyClaimLimit: 2, holdingLimit: 100, cooldownDays: 7 } });
    expect(put.status).toBe(200);
    expect((await t.request('/api/settings/pool', { method: 'PUT', token: tokens['manager.east'], json: { dailyClaimLimit: 99, holdingLimit: 100, cooldownDays: 7 } })).status).toBe(403);
    const pooled = [];
    for (let i = 0; i < 3; i++) {
      const id = await customerOf('rep.south2');
      await release('rep.south2', id);
      pooled.push(id);
    }
    expect((await claim('rep.south3', pooled[0]!)).status).toBe(200);
    expect((await claim('rep.south3', pooled[1]!)).status).toBe(200);
    const third = await claim('rep.south3', pooled[2]!);
    expect(third.status).toBe(403);
    expect(((await third.json()) as Json).error.message).toBe('今日领取已达上限（2 个）');
    clock.advance(86_400_000); // a new day in Asia/Shanghai
    expect((await claim('rep.south3', pooled[2]!)).status).toBe(200);

    await t.request('/api/settings/pool', { method: 'PUT', token: tokens.admin, json: { dailyClaimLimit: 10, holdingLimit: 1, cooldownDays: 7 } });
    const id = await customerOf('rep.south2');
    await release('rep.south2', id);
    const full = await claim('rep.south3', id);
    expect(full.status).toBe(403);
    expect(((await full.json()) as Json).error.message).toBe('持有客户数已达上限（1 个）');
    await t.request('/api/settings/pool', { method: 'PUT', token: tokens.admin, json: { dailyClaimLimit: 10, holdingLimit: 300, cooldownDays: 7 } });
  });
});

describe('transfers', () => {
  it('lets a manager transfer within their department only, and a rep not at all', async () => {
    const id = await customerOf('rep.east1');
    const byRep = await t.request(`/api/customers/${id}/transfer`, { method: 'POST', token: tokens['rep.east1'], json: { toUserId: ids['rep.east2'] } });
    expect(byRep.status).toBe(403);
    const outside = await t.request(`/api/customers/${id}/transfer`, { method: 'POST', token: tokens['manager.east'], json: { toUserId: ids['rep.south1'] } });
    expect(outside.status).toBe(400);
    const otherManager = await t.request(`/api/customers/${id}/transfer`, { method: 'POST', token: tokens['manager.south'], json: { toUserId: ids['rep.south1'] } });
    expect(otherManager.status).toBe(404);
    const moved = await t.request(`/api/customers/${id}/transfer`, { method: 'POST', token: tokens['manager.east'], json: { toUserId: ids['rep.east2'] } });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ owner: { name: '王芳' } });
    expect((await t.request(`/api/customers/${id}`, { token: tokens['rep.east1'] })).status).toBe(404);
    const timeline = (await (await t.request(`/api/customers/${id}/timeline`, { token: tokens['rep.east2'] })).json()) as Json;
    expect(timeline.items[0]).toMatchObject({ type: 'ownerChanged', data: { from: ids['rep.east1'], to: ids['rep.east2'] } });
  });

  it('hands every customer of a leaving rep to a colleague in one call', async () => {
    const mine = [await customerOf('rep.east3'), await customerOf('rep.east3'), await customerOf('rep.east3')];
    const before = await t.inspect.customers.countDocuments({ ownerId: ids['rep.east3'], deletedAt: null });
    const handover = await t.request('/api/customers/transfer', {
      method: 'POST',
      token: tokens['manager.east'],
      json: { fromUserId: ids['rep.east3'], toUserId: ids['rep.east1'] },
    });
    expect(handover.status).toBe(200);
    expect(await handover.json()).toEqual({ transferred: before });
    for (const id of mine) expect((await t.request(`/api/customers/${id}`, { token: tokens['rep.east1'] })).status).toBe(200);
    const audits = await t.inspect.audit.countDocuments({ action: 'customer.transfer', entityId: { $in: mine } });
    expect(audits).toBe(3);
  });
});
