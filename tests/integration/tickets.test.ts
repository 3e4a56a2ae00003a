// Service tickets (服务工单): the desk opens one on any customer, service staff take it and reach
// the customer through it, the lifecycle with its log, resolution and satisfaction, reopen, the
// SLA warning once before it passes and the breach after, and who sees what. The clock moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const hour = 3_600_000;
const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let customerId = '';

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
  const created = await t.request('/api/customers', { method: 'POST', token: tokens['rep.east1'], json: { type: 'company', name: '工单测试机械有限公司', industry: '教育', source: '官网' } });
  customerId = ((await created.json()) as Json).id;
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const cardsOf = async (login: DemoLogin): Promise<{ id: string; data: Json }[]> =>
  (await t.inspect.outbox.find({ userId: ids[login] }).sort({ createdAt: 1, _id: 1 }).lean()).map((e) => e.card).filter((c) => c.data.kind === 'ticketUpdate');
const open = (login: DemoLogin, json: Json = {}) =>
  call(login, '/api/tickets', { method: 'POST', json: { customerId, category: '故障报修', priority: 'normal', description: '设备无法开机', ...json } });

describe('service tickets', () => {
  it('are opened by the desk on any customer, and the customer’s owner is told', async () => {
    expect((await call('service1', `/api/customers/${customerId}`)).status).toBe(404);
    const opened = await open('service1');
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ status: 'new', priority: 'normal', assignee: null, breached: false, customer: { id: customerId, name: '工单测试机械有限公司' } });
    expect(opened.body.number).toMatch(/^GD\d{12}$/);
    expect(new Date(opened.body.dueAt).getTime() - clock.now().getTime()).toBe(24 * hour);
    expect((await cardsOf('rep.east1')).at(-1)!.data).toMatchObject({ event: 'opened', ticketId: opened.body.id });
    expect((await open('service1', { category: '不存在的分类' })).status).toBe(400);
    // a rep opens tickets only on their own customers
    expect((await open('rep.south1')).status).toBe(404);
  });

  it('runs assigned → in progress → resolved → closed with a log, a resolution and satisfaction, and reopens', async () => {
    const ticket = (await open('rep.east1', { priority: 'high' })).body;
    expect((await cardsOf('rep.east1')).filter((c) => c.data.ticketId === ticket.id)).toEqual([]); // the owner did it themselves
    // the desk sees the unassigned queue and takes it; through it, service reaches the customer
    expect((await call('service1', '/api/tickets?status=new&limit=100')).body.items.map((i: Json) => i.id)).toContain(ticket.id);
    expect((await call('service1', `/api/tickets/${ticket.id}/assign`, { method: 'POST', json: { assigneeId: ids['service1'] } })).body.status).toBe('assigned');
    expect((await call('service1', `/api/customers/${customerId}`)).status).toBe(200);
    expect((await call('service1', `/api/tickets/${ticket.id}/assign`, { method: 'POST', json: { assigneeId: ids['rep.east2'] } })).status).toBe(400);

    const step = (login: DemoLogin, json: Json) => call(login, `/api/tickets/${ticket.id}/transition`, { method: 'POST', json });
    expect((await step('service1', { action: 'close' })).status).toBe(409);
    expect((await step('rep.east1', { action: 'start' })).status).toBe(403);
    expect((await step('service1', { action: 'start' })).body.status).toBe('in_progress');
    await call('service1', `/api/tickets/${ticket.id}/notes`, { method: 'POST', json: { note: '已电话指导重启' } });
    expect((await step('service1', { action: 'resolve' })).status).toBe(400);
    expect((await call('rep.east1', `/api/tickets/${ticket.id}/satisfaction`, { method: 'POST', json: { score: 5 } })).status).toBe(409);
    const resolved = (await step('service1', { action: 'resolve', resolution: '更换电源模块' })).body;
    expect(resolved).toMatchObject({ status: 'resolved', resolution: '更换电源模块' });
    expect((await cardsOf('rep.east1')).at(-1)!.data).toMatchObject({ event: 'resolved', ticketId: ticket.id });
    expect((await call('rep.east1', `/api/tickets/${ticket.id}/satisfaction`, { method: 'POST', json: { score: 6 } })).status).toBe(400);
    expect((await call('rep.east1', `/api/tickets/${ticket.id}/satisfaction`, { method: 'POST', json: { score: 4, comment: '响应及时' } })).body.satisfaction).toMatchObject({ score: 4, comment: '响应及时' });
    expect((await step('rep.east1', { action: 'close' })).body.status).toBe('closed');
    const reopened = (await step('rep.east1', { action: 'reopen', note: '又坏了' })).body;
    expect(reopened).toMatchObject({ status: 'in_progress', reopened: 1, satisfaction: null, resolvedAt: null });
    expect(reopened.log.map((l: Json) => l.action)).toEqual(['opened', 'assigned', 'started', 'note', 'resolved', 'rated', 'closed', 'reopened']);
    const timeline = (await call('rep.east1', `/api/customers/${customerId}/timeline?limit=50`)).body.items.map((e: Json) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['ticketOpened', 'ticketResolved']));
  });

  it('warns the assignee once before the SLA passes, and marks the breach after', async () => {
    const ticket = (await open('service1', { priority: 'urgent', assigneeId: ids['service1'] })).body;
    expect(ticket.status).toBe('assigned');
    clock.advance(2 * hour);
    expect(await t.app.services.tickets.warnSlaDue(hour)).toBe(0);
    clock.advance(hour + 60_000); // 3 h 1 min into a 4-hour SLA
    expect(await t.app.services.tickets.warnSlaDue(hour)).toBe(1);
    expect(await t.app.services.tickets.warnSlaDue(hour)).toBe(0);
    expect((await cardsOf('service1')).at(-1)!.data).toMatchObject({ event: 'slaWarning', ticketId: ticket.id, priority: 'urgent' });
    expect((await call('service1', `/api/tickets/${ticket.id}`)).body.breached).toBe(false);
    clock.advance(hour);
    expect((await call('service1', `/api/tickets/${ticket.id}`)).body.breached).toBe(true);
  });

  it('shows each ticket to its customer’s people, its assignee and their managers only', async () => {
    const ticket = (await open('rep.east1')).body;
    for (const login of ['rep.east2', 'rep.south1', 'manager.south'] as const) {
      expect([login, (await call(login, `/api/tickets/${ticket.id}`)).status]).toEqual([login, 404]);
      expect((await call(login, '/api/tickets?limit=100')).body.items.map((i: Json) => i.id)).not.toContain(ticket.id);
    }
    for (const login of ['rep.east1', 'manager.east', 'director', 'admin', 'service1'] as const) {
      expect([login, (await call(login, `/api/tickets/${ticket.id}`)).status]).toEqual([login, 200]);
    }
    expect((await call('rep.east1', '/api/tickets?limit=100')).body.items.map((i: Json) => i.id)).toContain(ticket.id);
    // a sales manager routes tickets to service staff outside their own department
    expect((await call('manager.east', '/api/tickets/assignees')).body.items).toEqual(expect.arrayContaining([{ id: ids.service1, name: '周强' }]));
    expect((await call('service1', '/api/tickets?mine=1&open=1&limit=100')).body.items.every((i: Json) => i.status !== 'closed')).toBe(true);
  });
});
