// The managers' review queue: the scheduled scan finds what the create check cannot block (short
// names, a shared contact and street), each manager sees only pairs of their own tree, dismissed
// pairs stay dismissed, a merge settles the pair, and the create form's hints stay within scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  for (const login of ['admin', 'director', 'manager.east', 'manager.south', 'rep.east1', 'rep.south1']) tokens[login] = await t.login(login);
});
afterAll(() => t.close());

async function api(method: string, path: string, token: string, json?: unknown) {
  const response = await t.request(path, { method, token, ...(json !== undefined ? { json } : {}) });
  return { status: response.status, body: (await response.json().catch(() => null)) as Json };
}

async function customerWithContact(token: string, name: string, contact: string, address: string, city: { province: string; city: string }) {
  const created = await api('POST', '/api/customers', token, { type: 'company', name, industry: '互联网', source: '转介绍', address, region: city });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await api('POST', `/api/customers/${created.body.id}/contacts`, token, { name: contact });
  return created.body.id as string;
}

const hangzhou = { province: '浙江省', city: '杭州市' };
const guangzhou = { province: '广东省', city: '广州市' };

describe('the duplicate review queue', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // pairs the create check lets through: another core name, the same contact and street
    ids.eastA = await customerWithContact(tokens['rep.east1']!, '杭州恒通网络科技有限公司', '王建国', '文三路1号', hangzhou);
    ids.eastB = await customerWithContact(tokens['rep.east1']!, '恒通科技', '王建国', '文三路1号', hangzhou);
    ids.southA = await customerWithContact(tokens['rep.south1']!, '广州云帆精密制造有限公司', '闫娜', '学院路789号', guangzhou);
    ids.southB = await customerWithContact(tokens['rep.south1']!, '云帆制造', '闫娜', '学院路789号', guangzhou);
    // one half in each team
    ids.crossA = await customerWithContact(tokens['rep.east1']!, '杭州佳禾教育科技有限公司', '韦明英', '滨河大道446号', hangzhou);
    ids.crossB = await customerWithContact(tokens['rep.south1']!, '佳禾教育', '韦明英', '滨河大道446号', hangzhou);
    // the same brand in another city: not a pair
    ids.other = await customerWithContact(tokens['rep.south1']!, '恒通科技（广州）有限公司', '李雷', '中山路1号', guangzhou);
  });

  it('is filled by the scan, which only admins start by hand', async () => {
    expect((await api('POST', '/api/duplicates/scan', tokens['manager.east']!)).status).toBe(403);
    const scan = await api('POST', '/api/duplicates/scan', tokens['admin']!);
    expect(scan.status).toBe(200);
    expect(scan.body.open).toBe(3);
  });

  it("shows each manager the pairs of their own tree, with the reasons", async () => {
    expect((await api('GET', '/api/duplicates', tokens['rep.east1']!)).status).toBe(403);
    const east = (await api('GET', '/api/duplicates', tokens['manager.east']!)).body.items;
    expect(east).toHaveLength(1);
    expect([east[0].a.id, east[0].b.id].sort()).toEqual([ids.eastA, ids.eastB].sort());
    expect(east[0].reasons).toEqual(expect.arrayContaining(['同一联系人 王建国', '名称为简称']));
    const south = (await api('GET', '/api/duplicates', tokens['manager.south']!)).body.items;
    expect(south).toHaveLength(1);
    expect([south[0].a.id, south[0].b.id].sort()).toEqual([ids.southA, ids.southB].sort());
    const all = (await api('GET', '/api/duplicates', tokens['director']!)).body.items;
    expect(all).toHaveLength(3);
    expect(JSON.stringify(all)).not.toContain(ids.other);
  });

  it('keeps dismissed pairs out, also after the next scan', async () => {
    const south = (await api('GET', '/api/duplicates', tokens['manager.south']!)).body.items;
    expect((await api('POST', `/api/duplicates/${south[0].id}/dismiss`, tokens['manager.east']!)).status).toBe(404);
    expect((await api('POST', `/api/duplicates/${south[0].id}/dismiss`, tokens['manager.south']!)).status).toBe(204);
    await api('POST', '/api/duplicates/scan', tokens['admin']!);
    expect((await api('GET', '/api/duplicates', tokens['manager.south']!)).body.items).toHaveLength(0);
  });

  it('settles a pair by merging it', async () => {
    const merged = await api('POST', `/api/customers/${ids.eastA}/merge`, tokens['manager.east']!, { mergedId: ids.eastB });
    expect(merged.status).toBe(200);
    expect((await api('GET', '/api/duplicates', tokens['manager.east']!)).body.items).toHaveLength(0);
    const scan = await api('POST', '/api/duplicates/scan', tokens['admin']!);
    expect(scan.body.open).toBe(1); // the cross-team pair only
    // undoing the merge puts the pair back in the queue
    await api('POST', `/api/merges/${merged.body.id}/undo`, tokens['manager.east']!);
    expect((await api('GET', '/api/duplicates', tokens['manager.east']!)).body.items).toHaveLength(1);
    await api('POST', `/api/customers/${ids.eastA}/merge`, tokens['manager.east']!, { mergedId: ids.eastB });
  });

  it("hints at similar customers while one is typed, naming others' without opening them", async () => {
    const query = new URLSearchParams({ name: '佳禾教育科技', contact: '韦明英', address: '杭州市滨河大道446号' });
    const hints = (await api('GET', `/api/duplicates/similar?${query}`, tokens['rep.east1']!)).body.items;
    expect(hints).toHaveLength(2);
    const mine = hints.find((h: Json) => h.visible);
    const theirs = hints.find((h: Json) => !h.visible);
    expect(mine.id).toBe(ids.crossA);
    expect(theirs).toMatchObject({ id: null, name: '佳禾教育', owner: { name: expect.any(String) } });
    expect(JSON.stringify(theirs)).not.toContain(ids.crossB);
  });
});
