import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
let admin: string;
let rep: string;

beforeAll(async () => {
  t = await startTestApp();
  [admin, rep] = (await Promise.all([t.login('admin'), t.login('rep.east1')])) as [string, string];
});
afterAll(() => t.close());

describe('dictionaries', () => {
  it('are seeded with Chinese values and English labels', async () => {
    const body = (await (await t.request('/api/dictionaries', { token: rep })).json()) as Json;
    const byType = Object.fromEntries(body.items.map((d: Json) => [d._id, d]));
    expect(Object.keys(byType).sort()).toEqual(['followUpMethod', 'industry', 'level', 'lostReason', 'paymentMethod', 'scale', 'source', 'stage', 'ticketCategory']);
    expect(byType.stage.entries.map((e: Json) => [e.value, e.label.zh])).toEqual([['lead', '线索'], ['prospect', '意向'], ['customer', '成交'], ['lost', '流失']]);
    expect(byType.industry.entries.map((e: Json) => e.value)).toContain('互联网');
  });

  it('are edited by admins only; entered values must be active ones', async () => {
    const current = (await (await t.request('/api/dictionaries/source', { token: admin })).json()) as Json;
    const entries = current.entries.map((e: Json) => ({ value: e.value, label: e.label, active: e.value !== '地推' }));
    entries.push({ value: '抖音', label: { zh: '抖音', en: 'Douyin' }, active: true });
    expect((await t.request('/api/dictionaries/source', { method: 'PUT', token: rep, json: { entries } })).status).toBe(403);
    expect((await t.request('/api/dictionaries/source', { method: 'PUT', token: admin, json: { entries } })).status).toBe(200);
    const create = (source: string) =>
      t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'person', name: `来源${source}`, source } });
    expect((await create('抖音')).status).toBe(201);
    expect((await create('地推')).status).toBe(400);
  });

  it('keep the values the system relies on', async () => {
    const stage = (await (await t.request('/api/dictionaries/stage', { token: admin })).json()) as Json;
    const relabelled = stage.entries.map((e: Json) => ({ value: e.value, label: { ...e.label, zh: `${e.label.zh}阶段` } }));
    expect((await t.request('/api/dictionaries/stage', { method: 'PUT', token: admin, json: { entries: relabelled } })).status).toBe(200);
    const removed = relabelled.slice(1);
    const refused = await t.request('/api/dictionaries/stage', { method: 'PUT', token: admin, json: { entries: removed } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).error.message).toBe('该字典的值由系统使用，只能修改名称');
    expect((await t.request('/api/dictionaries/nonsense', { token: admin })).status).toBe(404);
  });
});

describe('regions', () => {
  it('serves the province → city → district tree from the division data', async () => {
    const body = (await (await t.request('/api/regions')).json()) as Json;
    const zhejiang = body.items.find((p: Json) => p.name === '浙江省');
    const hangzhou = zhejiang.children.find((c: Json) => c.name === '杭州市');
    expect(hangzhou.children.map((d: Json) => d.name)).toContain('西湖区');
    expect(body.items.length).toBeGreaterThanOrEqual(31);
  });
});

describe('contacts', () => {
  it('are added, edited with the entry standards, kept to one primary, and removed', async () => {
    const customer = (await (
      await t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'company', name: '联系人测试有限公司', industry: '建筑', source: '官网' } })
    ).json()) as Json;
    const add = (body: Json) => t.request(`/api/customers/${customer.id}/contacts`, { method: 'POST', token: rep, json: body });
    const first = (await (await add({ name: '赵 磊', phones: ['+86 139 1234 5678'], email: 'ZHAO@Example.com', isPrimary: true, birthday: '1988/3/8' })).json()) as Json;
    expect(first).toMatchObject({ name: '赵 磊', phones: ['13912345678'], email: 'zhao@example.com', isPrimary: true, birthday: '1988-03-08T00:00:00.000Z' });
    const second = (await (await add({ name: '钱敏', isPrimary: true })).json()) as Json;
    const list = (await (await t.request(`/api/customers/${customer.id}/contacts`, { token: rep })).json()) as Json;
    expect(list.items.map((c: Json) => [c.name, c.isPrimary])).toEqual([
      ['钱敏', true],
      ['赵 磊', false],
    ]);
    expect((await add({ name: '坏号码', phones: ['12345'] })).status).toBe(400);

    const edited = await t.request(`/api/contacts/${second.id}`, { method: 'PATCH', token: rep, json: { leftCompany: true, position: '前采购经理' } });
    expect(await edited.json()).toMatchObject({ leftCompany: true, position: '前采购经理' });
    expect((await t.request(`/api/contacts/${first.id}`, { method: 'DELETE', token: rep })).status).toBe(204);
    const after = (await (await t.request(`/api/customers/${customer.id}/contacts`, { token: rep })).json()) as Json;
    expect(after.items.map((c: Json) => c.name)).toEqual(['钱敏']);
    const timeline = (await (await t.request(`/api/customers/${customer.id}/timeline`, { token: rep })).json()) as Json;
    expect(timeline.items.map((e: Json) => e.type)).toEqual(['contactRemoved', 'contactUpdated', 'contactAdded', 'contactAdded', 'created']);
  });
});

describe('search', () => {
  it('finds by pinyin initials, full pinyin, name part, any phone format and the last four digits', async () => {
    const created = (await (
      await t.request('/api/customers', {
        method: 'POST',
        token: rep,
        json: { type: 'company', name: '华为科技有限公司', industry: '互联网', source: '官网', phones: ['13800138000'] },
      })
    ).json()) as Json;
    for (const q of ['hwkj', 'huaweikeji', '华为', '为科', '138-0013-8000', '+86 13800138000', '8000']) {
      const body = (await (await t.request(`/api/search?q=${encodeURIComponent(q)}`, { token: rep })).json()) as Json;
      expect([q, body.customers.some((c: Json) => c.id === created.id)]).toEqual([q, true]);
    }
    const other = await t.login('rep.east2');
    const hidden = (await (await t.request('/api/search?q=hwkj', { token: other })).json()) as Json;
    expect(hidden.customers).toEqual([]);
    expect((await t.request('/api/search?q=', { token: rep })).status).toBe(400);
  });
});
