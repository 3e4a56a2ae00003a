// The dev platform end to end: cards land in the outbox, the Messages tab lists them, and their
// buttons dispatch card.action events that act once however often they arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp();
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const outbox = async (login: DemoLogin, locale = 'zh-CN') =>
  (await (await t.request('/api/dev/outbox', { token: tokens[login], headers: { 'Accept-Language': locale } })).json()) as Json;

describe('dev outbox', () => {
  it('shows each recipient their cards, rendered in their language, and nobody else', async () => {
    await t.app.services.cards.send(
      { id: 'stale-test-1', data: { kind: 'staleCustomers', customers: [{ id: 'c1', name: '华为科技', idleDays: 9 }], total: 1 } },
      [ids['rep.east1'], ids['manager.east']],
    );
    const mine = await outbox('rep.east1');
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0].view).toMatchObject({ title: '客户跟进提醒', path: '/customers/c1', lines: [{ text: '华为科技 · 9 天未跟进', path: '/customers/c1' }] });
    expect((await outbox('rep.east1', 'en')).items[0].view.title).toBe('Customers to follow up');
    expect((await outbox('rep.east2')).items).toEqual([]);
  });

  it('acts once on a button pressed three times, and updates every copy of the card', async () => {
    const entry = (await outbox('rep.east1')).items[0];
    const press = () => t.request(`/api/dev/outbox/${entry.id}/action`, { method: 'POST', token: tokens['rep.east1'], json: { action: 'acknowledge' } });
    const results = await Promise.all([press(), press(), press()]);
    const bodies = await Promise.all(results.map((r) => r.json() as Promise<Json>));
    expect(bodies.map((b) => b.result).sort()).toEqual(['duplicate', 'duplicate', 'handled']);
    expect((await outbox('rep.east1')).items[0].outcome).toEqual({ text: '已处理 · 李娜' });
    expect((await outbox('manager.east')).items[0].outcome).toEqual({ text: '已处理 · 李娜' });
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'stale-test-1', status: 'updated' })).toBe(2);
  });

  it('lets only the recipient press, and refuses unknown input', async () => {
    const entry = (await outbox('rep.east1')).items[0];
    expect((await t.request(`/api/dev/outbox/${entry.id}/action`, { method: 'POST', token: tokens['rep.east2'], json: { action: 'acknowledge' } })).status).toBe(404);
    const unknown = await t.request(`/api/dev/outbox/${entry.id}/action`, { method: 'POST', token: tokens['rep.east1'], json: { action: 'explode' } });
    expect(((await unknown.json()) as Json).result).toBe('unhandled');
    expect((await t.request(`/api/dev/outbox/${entry.id}/action`, { method: 'POST', token: tokens['rep.east1'], json: { action: '$where' } })).status).toBe(400);
  });
});
