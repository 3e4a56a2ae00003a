// The roles and permissions matrix (K12): changes hold from the next request, are audited, custom
// roles and data scopes work, the admin role cannot lock itself out. And the organisation admin:
// synced people are read-only except their role, handover moves a leaver's work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;

const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  tokens = await demoTokens(t);
  ids = await demoUserIds(t);
});
afterAll(() => t.close());

async function call(login: DemoLogin, path: string, method = 'GET', json?: unknown) {
  const response = await t.request(path, { method, token: tokens[login], ...(json !== undefined ? { json } : {}) });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as Json };
}

let serial = 0;
const company = (name: string, extra: Json = {}) => ({ type: 'company', name: `${name}${++serial}号科技有限公司`, industry: '互联网', source: '官网', ...extra });

describe('the permissions matrix', () => {
  it('lists the built-in roles with their permissions, data scope, field rules and holders, for admins only', async () => {
    const { status, body } = await call('admin', '/api/roles');
    expect(status).toBe(200);
    const rep = body.items.find((r: Json) => r.key === 'rep');
    expect(rep).toMatchObject({ builtIn: true, dataScope: 'self', users: 6, fieldRules: { 'customer.phones': 'ownerOnly' } });
    expect(rep.permissions).toContain('customer.create');
    expect((await call('manager.east', '/api/roles')).status).toBe(403);
    expect((await call('rep.east1', '/api/roles/rep', 'PUT', { permissions: [] })).status).toBe(403);
  });

  it('takes a permission away from the next request on, gives it back, and audits both', async () => {
    expect((await call('rep.east1', '/api/customers', 'POST', company('矩阵'))).status).toBe(201);
    const before = (await call('admin', '/api/roles')).body.items.find((r: Json) => r.key === 'rep').permissions as string[];
    const cut = await call('admin', '/api/roles/rep', 'PUT', { permissions: before.filter((p) => p !== 'customer.create') });
    expect(cut.status).toBe(200);
    // the same session, the next request
    const refused = await call('rep.east1', '/api/customers', 'POST', company('矩阵'));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    expect((await call('admin', '/api/roles/rep', 'PUT', { permissions: before })).status).toBe(200);
    expect((await call('rep.east1', '/api/customers', 'POST', company('矩阵'))).status).toBe(201);

    const history = await call('admin', '/api/roles/rep/history');
    expect(history.body.items).toHaveLength(2);
    expect(history.body.items[1]).toMatchObject({ action: 'role.update', actorId: ids.admin, changes: [{ field: 'permissions', before, after: before.filter((p) => p !== 'customer.create') }] });
    const stored = await t.inspect.audit.find({ action: 'role.update' }).lean();
    expect(stored.every((e) => String(e.actorId) === ids.admin)).toBe(true);
  });

  it('widens and narrows a data scope on the next request', async () => {
    const south = await call('rep.south1', '/api/customers', 'POST', company('华南范围'));
    expect(south.status).toBe(201);
    expect((await call('rep.south2', `/api/customers/${south.body.id}`)).status).toBe(404);
    await call('admin', '/api/roles/rep', 'PUT', { dataScope: 'department' });
    expect((await call('rep.south2', `/api/customers/${south.body.id}`)).status).toBe(200);
    // another department stays out
    expect((await call('rep.east1', `/api/customers/${south.body.id}`)).status).toBe(404);
    await call('admin', '/api/roles/rep', 'PUT', { dataScope: 'self' });
    expect((await call('rep.south2', `/api/customers/${south.body.id}`)).status).toBe(404);
  });

  it('creates a custom role, gives it to a person, and refuses to delete it while held', async () => {
    const created = await call('admin', '/api/roles', 'POST', { key: 'viewer', name: { zh: '只读', en: 'Viewer' }, permissions: ['customer.view'], dataScope: 'departmentTree' });
    expect(created.status).toBe(201);
    expect((await call('admin', '/api/roles', 'POST', { key: 'viewer', name: { zh: '只读', en: 'Viewer' } })).status).toBe(409);
    expect((await call('admin', '/api/roles', 'POST', { key: 'rep', name: { zh: '销售', en: 'Rep' } })).status).toBe(409);
    expect((await call('admin', '/api/roles', 'POST', { key: 'Bad Key', name: { zh: 'x', en: 'x' } })).status).toBe(400);

    const mine = await call('rep.east2', '/api/customers', 'POST', company('只读角色'));
    expect((await call('admin', `/api/org/users/${ids['rep.east3']}`, 'PATCH', { role: 'viewer' })).status).toBe(200);
    // rep.east3 now reads the east department's customers and can no longer create any
    expect((await call('rep.east3', `/api/customers/${mine.body.id}`)).status).toBe(200);
    expect((await call('rep.east3', '/api/customers', 'POST', company('只读角色'))).status).toBe(403);
    expect((await call('rep.east3', `/api/customers/${mine.body.id}`, 'PATCH', { notes: 'x', version: mine.body.version })).status).toBe(403);

    expect((await call('admin', '/api/roles/viewer', 'DELETE')).status).toBe(409);
    expect((await call('admin', `/api/org/users/${ids['rep.east3']}`, 'PATCH', { role: 'rep' })).status).toBe(200);
    expect((await call('admin', '/api/roles/viewer', 'DELETE')).status).toBe(204);
    expect((await call('admin', '/api/roles/rep', 'DELETE')).status).toBe(400);
    expect((await call('admin', `/api/org/users/${ids['rep.east3']}`, 'PATCH', { role: 'viewer' })).status).toBe(400);
    const actions = (await t.inspect.audit.find({ entity: 'role' }).lean()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['role.create', 'role.delete']));
  });

  it('keeps the admin role able to manage settings', async () => {
    const cut = await call('admin', '/api/roles/admin', 'PUT', { permissions: ['customer.view'] });
    expect(cut.status).toBe(400);
    expect(cut.body.error.message).toMatch(/管理员/);
    expect((await call('admin', '/api/roles/admin', 'PUT', { dataScope: 'self' })).status).toBe(400);
    expect((await call('admin', '/api/roles')).status).toBe(200);
  });
});

describe('organisation administration', () => {
  it('lists people and departments for admins and marks the synced ones', async () => {
    await t.inspect.users.updateOne({ _id: ids['rep.south3'] }, { $set: { accounts: { wecom: 'huangmin' } } });
    const users = await call('admin', '/api/org/users');
    expect(users.status).toBe(200);
    expect(users.body.items.find((u: Json) => u.login === 'rep.south3')).toMatchObject({ synced: true, platforms: ['wecom'], role: 'rep' });
    expect((await call('admin', '/api/org/departments')).body.items.map((d: Json) => d.name)).toEqual(expect.arrayContaining(['华东大区', '客服部']));
    expect((await call('manager.east', '/api/org/users')).status).toBe(403);
  });

  it('lets only the role of a synced person change', async () => {
    const renamed = await call('admin', `/api/org/users/${ids['rep.south3']}`, 'PATCH', { name: '黄敏敏' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.message).toMatch(/同步/);
    expect((await call('admin', `/api/org/users/${ids['rep.south3']}`, 'PATCH', { role: 'manager' })).status).toBe(200);
    expect((await call('admin', `/api/org/users/${ids['rep.south3']}`, 'PATCH', { role: 'rep' })).status).toBe(200);
    const audit = await t.inspect.audit.find({ action: 'user.update', entityId: ids['rep.south3'] }).lean();
    expect(audit.map((e) => e.changes[0])).toEqual([
      { field: 'role', before: 'rep', after: 'manager' },
      { field: 'role', before: 'manager', after: 'rep' },
    ]);
  });

  it('creates and edits local people and departments, and keeps the last admin', async () => {
    const department = await call('admin', '/api/org/departments', 'POST', { name: '渠道部', parentId: null });
    expect(department.status).toBe(201);
    const created = await call('admin', '/api/org/users', 'POST', { login: 'channel1', name: '渠道一', role: 'rep', departmentId: department.body.id });
    expect(created.status).toBe(201);
    expect((await call('admin', '/api/org/users', 'POST', { login: 'channel1', name: '渠道一', role: 'rep' })).status).toBe(409);
    expect((await call('admin', '/api/org/users', 'POST', { login: 'channel2', name: '渠道二', role: 'nosuchrole' })).status).toBe(400);
    expect((await call('admin', `/api/org/users/${created.body.id}`, 'PATCH', { name: '渠道小一' })).body.name).toBe('渠道小一');
    const lastAdmin = await call('admin', `/api/org/users/${ids.admin}`, 'PATCH', { role: 'rep' });
    expect(lastAdmin.status).toBe(409);
  });

  it('stops a deactivated person at their next request', async () => {
    const login = await t.login('rep.south2');
    expect((await t.request('/api/customers', { token: login })).status).toBe(200);
    expect((await call('admin', `/api/org/users/${ids['rep.south2']}`, 'PATCH', { active: false })).status).toBe(200);
    expect((await t.request('/api/customers', { token: login })).status).toBe(401);
  });

  it('hands a leaver’s customers, open contracts, open opportunities and tickets to a colleague, once', async () => {
    const customer = await call('rep.east2', '/api/customers', 'POST', company('交接'));
    expect(customer.status).toBe(201);
    const opportunity = await call('rep.east2', '/api/opportunities', 'POST', { customerId: customer.body.id, title: '交接商机', amount: 1000 });
    expect(opportunity.status).toBe(201);
    const moved = await call('admin', `/api/org/users/${ids['rep.east2']}/handover`, 'POST', { toUserId: ids['rep.east1'] });
    expect(moved.status).toBe(200);
    expect(moved.body.customers).toBeGreaterThanOrEqual(1);
    expect(moved.body.opportunities).toBe(1);
    expect((await call('rep.east1', `/api/customers/${customer.body.id}`)).body.owner.id).toBe(ids['rep.east1']);
    expect((await call('rep.east1', `/api/opportunities/${opportunity.body.id}`)).status).toBe(200);
    const again = await call('admin', `/api/org/users/${ids['rep.east2']}/handover`, 'POST', { toUserId: ids['rep.east1'] });
    expect(again.body).toEqual({ customers: 0, contracts: 0, opportunities: 0, tickets: 0, approvals: 0 });
    expect((await call('admin', `/api/org/users/${ids['rep.east2']}/handover`, 'POST', { toUserId: ids['rep.east2'] })).status).toBe(400);
    expect((await call('manager.east', `/api/org/users/${ids['rep.east2']}/handover`, 'POST', { toUserId: ids['rep.east1'] })).status).toBe(403);
    expect(await t.inspect.audit.countDocuments({ action: 'user.handover' })).toBe(2);
  });
});

describe('configuration changes', () => {
  it('audits pool limits, dictionaries, rules, the approval flow and lead rules with before and after', async () => {
    const pool = (await call('admin', '/api/settings/pool')).body;
    expect((await call('admin', '/api/settings/pool', 'PUT', { ...pool, dailyClaimLimit: 3 })).status).toBe(200);
    const history = await call('admin', '/api/audit/settings?key=settings.pool');
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ actor: { id: ids.admin }, changes: [{ field: 'settings.pool', before: pool, after: { ...pool, dailyClaimLimit: 3 } }] });
    // the same value again records nothing
    expect((await call('admin', '/api/settings/pool', 'PUT', { ...pool, dailyClaimLimit: 3 })).status).toBe(200);
    expect((await call('admin', '/api/audit/settings?key=settings.pool')).body.items).toHaveLength(1);

    const industry = (await call('admin', '/api/dictionaries/industry')).body;
    const entries = industry.entries.map(({ value, label, active }: Json) => ({ value, label, active }));
    expect((await call('admin', '/api/dictionaries/industry', 'PUT', { entries: [...entries, { value: '新能源', label: { zh: '新能源', en: 'New energy' } }] })).status).toBe(200);
    const dictionary = (await call('admin', '/api/audit/settings?key=dictionary.industry')).body.items;
    expect(dictionary).toHaveLength(1);
    expect(dictionary[0].changes[0].after.entries.map((e: Json) => e.value)).toContain('新能源');
    expect(dictionary[0].changes[0].before.entries.map((e: Json) => e.value)).not.toContain('新能源');

    const rules = (await call('admin', '/api/rules')).body.items as Json[];
    const rule = rules[0]!;
    expect((await call('admin', `/api/rules/${rule.kind ?? rule._id}`, 'PUT', { enabled: !rule.enabled })).status).toBe(200);
    expect((await call('admin', `/api/audit/settings?key=rule.${rule.kind ?? rule._id}`)).body.items[0].changes[0]).toMatchObject({ before: { enabled: rule.enabled }, after: { enabled: !rule.enabled } });

    const flow = (await call('admin', '/api/approval-flow')).body;
    expect((await call('admin', '/api/approval-flow', 'PUT', flow)).status).toBe(200);
    expect((await call('admin', '/api/audit/settings?key=approvalFlow')).body.items).toHaveLength(0); // unchanged

    // refused writes leave no trace, and the history is for admins
    expect((await call('manager.east', '/api/settings/pool', 'PUT', { ...pool, dailyClaimLimit: 99 })).status).toBe(403);
    expect((await call('admin', '/api/audit/settings?key=settings.pool')).body.items).toHaveLength(1);
    expect((await call('manager.east', '/api/audit/settings?key=settings.pool')).status).toBe(403);
  });
});
