// Tags and segments: admin-defined tag groups (single or multiple choice), tagging one customer or
// a whole filtered list within scope, who added each tag when, and saved segments whose counts
// match a direct query under each caller's scope, including facts from the transactions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const customer = async (login: DemoLogin, name: string, extra: Json = {}) =>
  (await call(login, '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网', ...extra } })).body.id as string;
const tag = (login: DemoLogin, id: string, json: Json) => call(login, `/api/customers/${id}/tags`, { method: 'POST', json });

describe('tags', () => {
  it('come in groups admins define, single or multiple choice', async () => {
    const groups = (await call('rep.east1', '/api/tag-groups')).body.items;
    expect(groups.map((g: Json) => [g.id, g.name, g.multi])).toEqual([
      ['kind', '客户类型', false],
      ['needs', '需求', true],
      ['risk', '风险', true],
    ]);
    expect((await call('manager.east', '/api/tag-groups/kind', { method: 'PUT', json: { name: '客户类型', multi: false, tags: [{ name: '新客户', color: '#1989fa' }] } })).status).toBe(403);
    expect((await call('admin', '/api/tag-groups/scale', { method: 'PUT', json: { name: '规模', multi: false, tags: [{ name: '价格敏感', color: '#000000' }] } })).status).toBe(400);
    expect((await call('admin', '/api/tag-groups/scale', { method: 'PUT', json: { name: '规模', multi: false, tags: [{ name: '大型', color: '#000000' }, { name: '中小型', color: '#666666' }] } })).status).toBe(200);
  });

  it('replace each other within a single-choice group, and remember who added each and when', async () => {
    const id = await customer('rep.east1', '标签历史有限公司', { tags: ['展会名单'] });
    expect((await tag('rep.east1', id, { add: ['新客户', '价格敏感'] })).body.tags).toEqual(['展会名单', '新客户', '价格敏感']);
    expect((await tag('rep.east1', id, { add: ['新客户', '老客户'] })).status).toBe(400);
    clock.advance(3_600_000);
    expect((await tag('manager.east', id, { add: ['老客户', '有预算'], remove: ['价格敏感'] })).body.tags).toEqual(['展会名单', '老客户', '有预算']);
    expect((await tag('rep.east2', id, { add: ['有预算'] })).status).toBe(404);
    const history = (await call('rep.east1', `/api/customers/${id}/tags`)).body.items;
    expect(history.map((h: Json) => [h.tag, h.group?.name ?? null, h.addedBy.name, h.addedAt])).toEqual([
      ['展会名单', null, '李娜', '2026-11-24T02:00:00.000Z'],
      ['老客户', '客户类型', '张伟', '2026-11-24T03:00:00.000Z'],
      ['有预算', '需求', '张伟', '2026-11-24T03:00:00.000Z'],
    ]);
  });

  it('tag a whole filtered list, only within the caller’s scope', async () => {
    for (let i = 0; i < 4; i++) await customer('rep.east1', `批量标签甲${i}号有限公司`);
    for (let i = 0; i < 2; i++) await customer('rep.east2', `批量标签乙${i}号有限公司`);
    const result = await call('rep.east1', '/api/customers/bulk-tags', { method: 'POST', json: { filter: { keyword: '批量标签' }, add: ['重视服务'] } });
    expect(result.body).toEqual({ matched: 4, updated: 4 });
    expect(await t.inspect.customers.countDocuments({ name: /^批量标签/, tags: '重视服务' })).toBe(4);
    expect(await t.inspect.customers.countDocuments({ ownerId: ids['rep.east2'], tags: '重视服务' })).toBe(0);
    // the manager's list covers both reps; running it again changes nothing new
    expect((await call('manager.east', '/api/customers/bulk-tags', { method: 'POST', json: { filter: { keyword: '批量标签' }, add: ['重视服务'] } })).body).toEqual({ matched: 6, updated: 2 });
    expect((await call('rep.east1', '/api/customers/bulk-tags', { method: 'POST', json: { filter: { keyword: '批量标签' }, add: [], remove: ['重视服务'] } })).body).toEqual({ matched: 4, updated: 4 });
  });
});

describe('segments', () => {
  it('count what a direct query under the caller’s scope finds, tags and transactions included', async () => {
    const paid = await customer('rep.east1', '分群回款有限公司', { tags: ['有预算'] });
    const quiet = await customer('rep.east1', '分群无订单有限公司', { tags: ['有预算'] });
    await customer('rep.east2', '分群他人有限公司', { tags: ['有预算'] });
    // 20,000 received within the year on the first one; an order for the second
    const contract = (await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: paid, title: '分群合同', amount: '20000', plan: [{ dueOn: '2026-12-31', amount: '20000' }] } })).body;
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } });
    await call('rep.east1', `/api/contracts/${contract.id}/payments`, { method: 'POST', json: { instalmentId: contract.plan[0].id, amount: '20000', receivedOn: '2026-11-01', method: '银行转账' } });
    await call('rep.east1', `/api/customers/${quiet}/orders`, { method: 'POST', json: { items: [{ name: '耗材', quantity: 1, unitPrice: '99' }], orderedOn: '2026-11-20' } });

    const budget = await call('rep.east1', '/api/segments', { method: 'POST', json: { name: '有预算的客户', filter: { tagsAll: ['有预算'] } } });
    expect(budget.status).toBe(201);
    const direct = await t.inspect.customers.countDocuments({ ownerId: ids['rep.east1'], deletedAt: null, tags: '有预算' });
    expect(budget.body.count).toBe(direct);
    const bigPayers = (await call('rep.east1', '/api/segments', { method: 'POST', json: { name: '一年回款过万', filter: { receivedAtLeast: { amountFen: 1_000_000, withinDays: 365 } } } })).body;
    expect(bigPayers.count).toBe(1);
    const noOrders = (await call('rep.east1', '/api/segments', { method: 'POST', json: { name: '半年无订单且有预算', filter: { tagsAll: ['有预算'], noOrderForDays: 180 } } })).body;
    expect(noOrders.count).toBe(direct - 1);
    // a personal segment is its owner's; a shared one counts each caller's own customers
    expect((await call('rep.east2', `/api/segments/${budget.body.id}`)).status).toBe(404);
    expect((await call('rep.east1', '/api/segments', { method: 'POST', json: { name: '共享', shared: true, filter: {} } })).status).toBe(403);
    const shared = (await call('manager.east', '/api/segments', { method: 'POST', json: { name: '团队有预算', shared: true, filter: { tagsAny: ['有预算'] } } })).body;
    expect(shared.count).toBe(await t.inspect.customers.countDocuments({ ownerId: { $in: [ids['rep.east1'], ids['rep.east2'], ids['rep.east3'], ids['manager.east']] }, deletedAt: null, tags: '有预算' }));
    expect((await call('rep.east2', `/api/segments/${shared.id}`)).body.count).toBe(await t.inspect.customers.countDocuments({ ownerId: ids['rep.east2'], deletedAt: null, tags: '有预算' }));
    expect((await call('rep.east2', '/api/segments')).body.items.map((s: Json) => s.id)).toEqual([shared.id]);
    expect((await call('rep.east2', `/api/segments/${shared.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await call('rep.east1', `/api/segments/${budget.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});
