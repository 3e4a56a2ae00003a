import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { mobileKey } from '../../server/src/modules/standards/index.ts';

const clock = new ManualClock('2026-06-01T02:00:00Z');
let t: TestApp;
let rep: string;
let rep2: string;
let manager: string;
let admin: string;

type Json = Record<string, any>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  [rep, rep2, manager, admin] = (await Promise.all(['rep.east1', 'rep.east2', 'manager.east', 'admin'].map((l) => t.login(l)))) as [string, string, string, string];
});
afterAll(() => t.close());

async function create(token: string, body: Json, headers: Record<string, string> = {}) {
  const response = await t.request('/api/customers', { method: 'POST', token, json: body, headers });
  return { status: response.status, body: (await response.json()) as Json };
}

const company = (name: string, extra: Json = {}) => ({ type: 'company', name, industry: '互联网', source: '官网', ...extra });

describe('creating customers', () => {
  it('applies the entry standards and derives the keys', async () => {
    const { status, body } = await create(rep, company(' 杭州 云帆(杭州)网络科技有限公司 ', {
      phones: ['+86 138-0013-8000', '０５７１-８８８８６６６６'],
      email: ' Sales@YunFan.COM ',
      region: { province: '浙江', city: '杭州', district: '拱墅' },
      birthday: '2023年10月15日',
      tags: ['重点', '重点', ' 展会 '],
    }));
    expect(status).toBe(201);
    expect(body).toMatchObject({
      name: '杭州 云帆（杭州）网络科技有限公司',
      phones: ['13800138000', '0571-88886666'],
      email: 'sales@yunfan.com',
      region: { province: '浙江省', city: '杭州市', district: '拱墅区' },
      tags: ['重点', '展会'],
      stage: 'lead',
      owner: { name: '李娜' },
      department: { name: '华东大区' },
      access: 'full',
      version: 0,
    });
    expect(body.birthday).toBe('2023-10-15T00:00:00.000Z');
    expect(body.needsCompletion).toEqual(['level']);
    const stored = await t.inspect.customers.findById(body.id).lean();
    expect(stored).toMatchObject({ companyCore: '云帆网络科技', companyKey: '云帆网络科技|33', mobileKeys: [mobileKey('13800138000')], pinyinKey: expect.stringMatching(/^hangzhou/) });
  });

  it('rejects what breaks the standards, naming each field in the caller language', async () => {
    const { status, body } = await create(rep, { type: 'company', name: '坏数据有限公司', source: '不存在的来源', phones: ['1380013'], email: 'x@', region: { province: '火星' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION');
    const paths = body.error.details.map((d: Json) => d.path).sort();
    expect(paths).toEqual(['email', 'industry', 'phones.0', 'region.province', 'source']);
    expect(body.error.details.find((d: Json) => d.path === 'phones.0').message).toBe('不是有效的电话号码');
    expect(await t.inspect.customers.countDocuments({ name: '坏数据有限公司' })).toBe(0);

    const en = await t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'company', name: 'X', source: '官网', industry: '互联网', phones: ['abc'] }, headers: { 'Accept-Language': 'en' } });
    expect(((await en.json()) as Json).error.details[0].message).toBe('Not a valid phone number');
  });

  it('requires name, type and source, and refuses unknown fields and operators', async () => {
    for (const body of [{ type: 'company', source: '官网', industry: '互联网' }, { name: 'A', source: '官网' }, { name: 'A', type: 'person' }]) {
      expect((await create(rep, body)).status).toBe(400);
    }
    expect((await create(rep, { ...company('注入测试有限公司'), ownerId: { $ne: null } })).status).toBe(400);
    expect((await create(rep, { ...company('多余字段有限公司'), companyKey: 'x' })).status).toBe(400);
  });

  it('saves a person without a phone and lists it as 待补充 for its owner', async () => {
    const { status, body } = await create(rep, { type: 'person', name: '王思磊（个人）', source: '转介绍' });
    expect(status).toBe(201);
    expect(body.needsCompletion).toEqual(['phone', 'region', 'level']);
    const list = (await (await t.request('/api/customers?needsCompletion=1&owner=me', { token: rep })).json()) as Json;
    expect(list.items.map((c: Json) => c.id)).toContain(body.id);
  });

  it('lets a rep assign only to themselves, a manager within their department', async () => {
    const users = (await (await t.request('/api/auth/dev-login')).json()) as { users: Json[] };
    const id = (login: string) => users.users.find((u) => u.login === login)!.id;
    expect((await create(rep, company('分配测试一有限公司', { ownerId: id('rep.east2') }))).status).toBe(400);
    const byManager = await create(manager, company('分配测试二有限公司', { ownerId: id('rep.east2') }));
    expect(byManager.status).toBe(201);
    expect(byManager.body.owner.name).toBe('王芳');
    expect((await create(manager, company('分配测试三有限公司', { ownerId: id('rep.south1') }))).status).toBe(400);
    expect((await create(admin, company('分配测试四有限公司', { ownerId: id('rep.south1') }))).status).toBe(201);
  });

  it('returns the first customer when a create is retried with the same Idempotency-Key', async () => {
    const headers = { 'Idempotency-Key': 'create-retry-0001' };
    const first = await create(rep, company('重试测试有限公司'), headers);
    const again = await create(rep, company('重试测试有限公司'), headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(await t.inspect.customers.countDocuments({ name: '重试测试有限公司' })).toBe(1);
  });
});

describe('duplicate check (查重)', () => {
  it('blocks the same mobile or the same normalised company name, and says who owns it', async () => {
    const original = await create(rep, company('广州新锐投资管理有限公司', { phones: ['15604448761'] }));
    expect(original.status).toBe(201);
    for (const attempt of [
      company('新锐投资管理(广州)有限公司'),
      company(' 广州新锐投资管理有限公司  '),
      company('新锐投资管理公司'),
      company('完全不同的名字有限公司', { phones: ['(+86)156 0444 8761'] }),
      { type: 'person', name: '某人', source: '官网', phones: ['８６１５６０４４４８７６１'] },
    ]) {
      const { status, body } = await create(rep2, attempt);
      expect(status, attempt.name).toBe(409);
      expect(body.error.code).toBe('DUPLICATE');
      expect(body.error.message).toBe('客户已存在：广州新锐投资管理有限公司（负责人：李娜）');
      expect(body.error.details.matches[0]).toEqual({
        id: null, // rep2 may not see it: the name and owner, not the id
        name: '广州新锐投资管理有限公司',
        owner: { name: '李娜' },
        inPool: false,
        matchedBy: expect.any(Array),
        visible: false,
      });
      // nothing else about a customer the caller may not see
      expect(JSON.stringify(body)).not.toContain('15604448761');
      expect(JSON.stringify(body)).not.toContain(original.body.id);
    }
  });

  it('keeps apart two registrations of one brand in two provinces', async () => {
    expect((await create(rep, company('济南长青商贸有限公司'))).status).toBe(201);
    expect((await create(rep2, company('武汉长青商贸股份有限公司'))).status).toBe(201);
    // without a place, the name may be either: refused
    expect((await create(rep2, company('长青商贸有限公司'))).status).toBe(409);
    expect((await create(rep2, company('长青商贸（济南）有限公司'))).status).toBe(409);
  });

  it('does not block a shared landline or a person with a common name', async () => {
    expect((await create(rep, company('甲公司测试有限公司', { phones: ['021-54954215'] }))).status).toBe(201);
    expect((await create(rep2, company('乙公司测试有限公司', { phones: ['021-54954215'] }))).status).toBe(201);
    expect((await create(rep, { type: 'person', name: '张伟', source: '官网' })).status).toBe(201);
    expect((await create(rep2, { type: 'person', name: '张伟', source: '官网' })).status).toBe(201);
  });

  it('answers the same question before saving, as the rep types', async () => {
    const response = await t.request(`/api/customers/check-duplicate?name=${encodeURIComponent('新锐投资管理（广州）有限公司')}`, { token: rep2 });
    const body = (await response.json()) as Json;
    expect(body.duplicate).toBe(true);
    expect(body.matches[0]).toMatchObject({ name: '广州新锐投资管理有限公司', matchedBy: ['name'], visible: false });
    const byPhone = (await (await t.request('/api/customers/check-duplicate?phone=156-0444-8761', { token: rep })).json()) as Json;
    expect(byPhone.matches[0]).toMatchObject({ matchedBy: ['phone'], visible: true });
    const none = (await (await t.request('/api/customers/check-duplicate?name=全新客户有限公司', { token: rep })).json()) as Json;
    expect(none).toEqual({ duplicate: false, matches: [] });
  });

  it('lets exactly one of two concurrent creates of the same customer through', async () => {
    const results = await Promise.all([
      create(rep, company('并发查重有限公司')),
      create(rep2, company('并发查重（上海）有限公司')),
      create(rep, company('上海并发查重有限公司')),
      create(rep2, company('并发查重股份有限公司')),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('checks edits too, ignoring the customer itself', async () => {
    const a = await create(rep, company('编辑查重甲有限公司'));
    const b = await create(rep, company('编辑查重乙有限公司'));
    const same = await t.request(`/api/customers/${a.body.id}`, { method: 'PATCH', token: rep, json: { name: '编辑查重甲股份有限公司' } });
    expect(same.status).toBe(200);
    const clash = await t.request(`/api/customers/${b.body.id}`, { method: 'PATCH', token: rep, json: { name: '编辑查重甲有限公司' } });
    expect(clash.status).toBe(409);
  });
});

describe('editing, deleting, restoring', () => {
  it('records field-level before/after and refuses a stale version', async () => {
    const { body } = await create(rep, company('版本测试有限公司', { level: 'B' }));
    const edit = await t.request(`/api/customers/${body.id}`, { method: 'PATCH', token: rep, json: { level: 'A', stage: 'prospect', version: 0 } });
    expect(edit.status).toBe(200);
    expect(await edit.json()).toMatchObject({ level: 'A', stage: 'prospect', version: 1 });
    const stale = await t.request(`/api/customers/${body.id}`, { method: 'PATCH', token: rep, json: { level: 'C', version: 0 } });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as Json).error.code).toBe('CONFLICT');
    const staleHeader = await t.request(`/api/customers/${body.id}`, { method: 'PATCH', token: rep, json: { level: 'C' }, headers: { 'If-Match': '"0"' } });
    expect(staleHeader.status).toBe(409);

    const audit = (await (await t.request(`/api/audit?entity=customer&id=${body.id}`, { token: manager })).json()) as Json;
    const update = audit.items.find((e: Json) => e.action === 'customer.update');
    expect(update.changes).toEqual(
      expect.arrayContaining([
        { field: 'level', before: 'B', after: 'A' },
        { field: 'stage', before: 'lead', after: 'prospect' },
      ]),
    );
    expect(update.actor.name).toBe('李娜');
    expect(update.client.via).toBe('api');
    expect((await t.request(`/api/audit?entity=customer&id=${body.id}`, { token: rep })).status).toBe(403);

    const timeline = (await (await t.request(`/api/customers/${body.id}/timeline`, { token: rep })).json()) as Json;
    expect(timeline.items.map((e: Json) => e.type)).toEqual(['stageChanged', 'created']);
  });

  it('soft-deletes for managers only, hides the record, frees its keys, and restores it', async () => {
    const { body } = await create(rep, company('删除测试有限公司', { phones: ['13912345678'] }));
    expect((await t.request(`/api/customers/${body.id}`, { method: 'DELETE', token: rep })).status).toBe(403);
    expect((await t.request(`/api/customers/${body.id}`, { method: 'DELETE', token: manager })).status).toBe(204);
    expect((await t.request(`/api/customers/${body.id}`, { token: rep })).status).toBe(404);
    const bin = (await (await t.request('/api/customers?deleted=1', { token: manager })).json()) as Json;
    expect(bin.items.map((c: Json) => c.id)).toContain(body.id);
    expect((await t.request('/api/customers?deleted=1', { token: rep })).status).toBe(403);
    // while deleted, the same customer can be entered again …
    const again = await create(rep2, company('删除测试有限公司', { phones: ['13912345678'] }));
    expect(again.status).toBe(201);
    // … and then restoring the old one would duplicate it
    expect((await t.request(`/api/customers/${body.id}/restore`, { method: 'POST', token: manager })).status).toBe(409);
    expect((await t.request(`/api/customers/${again.body.id}`, { method: 'DELETE', token: admin })).status).toBe(204);
    const restored = await t.request(`/api/customers/${body.id}/restore`, { method: 'POST', token: manager });
    expect(restored.status).toBe(200);
    expect((await t.request(`/api/customers/${body.id}`, { token: rep })).status).toBe(200);
    const actions = (await t.inspect.audit.find({ entityId: body.id }).lean()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['customer.create', 'customer.delete', 'customer.restore']));
  });
});

describe('listing', () => {
  it('filters, sorts by pinyin and pages with a cursor without gaps or repeats', async () => {
    const names = ['阿里测试', '百度测试', '长城测试', '大疆测试', '福耀测试', '格力测试', '恒大测试'];
    for (const name of [...names].reverse()) await create(rep2, company(`${name}有限公司`, { level: 'C', region: { province: '广东', city: '深圳' } }));
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const query: string = `/api/customers?owner=me&level=C&province=广东省&sort=name&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await (await t.request(query, { token: rep2 })).json()) as Json;
      seen.push(...page.items.map((c: Json) => c.name));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(names.map((n) => `${n}有限公司`));
  });

  it('finds idle customers by days without follow-up', async () => {
    const { body } = await create(rep2, company('闲置测试有限公司'));
    const idle = async () => ((await (await t.request('/api/customers?idleDays=7', { token: rep2 })).json()) as Json).items.map((c: Json) => c.id);
    expect(await idle()).not.toContain(body.id);
    clock.advance(8 * 86_400_000);
    expect(await idle()).toContain(body.id);
  });

  it('rejects a forged cursor and bad filters', async () => {
    expect((await t.request('/api/customers?cursor=not-a-cursor', { token: rep })).status).toBe(400);
    expect((await t.request('/api/customers?stage=won', { token: rep })).status).toBe(400);
    expect((await t.request('/api/customers?limit=1000', { token: rep })).status).toBe(400);
  });
});

describe('the list by creation day', () => {
  it('keeps to the Shanghai calendar days given (a report trend point drills down here)', async () => {
    // 2026-07-01 23:30 and 2026-07-02 00:30 in Shanghai: one day apart though an hour apart
    clock.set('2026-07-01T15:30:00Z');
    const late = (await create(manager, company('七月一日深夜有限公司'))).body.id;
    clock.set('2026-07-01T16:30:00Z');
    const early = (await create(manager, company('七月二日凌晨有限公司'))).body.id;
    const list = async (query: string) =>
      (((await (await t.request(`/api/customers?sort=created&${query}`, { token: manager })).json()) as Json).items as Json[]).map((c) => c.id);
    expect(await list('createdFrom=2026-07-01&createdTo=2026-07-01')).toEqual([late]);
    expect(await list('createdFrom=2026-07-02&createdTo=2026-07-02')).toEqual([early]);
    expect((await list('createdFrom=2026-07-01&createdTo=2026-07-02')).sort()).toEqual([early, late].sort());
    expect((await t.request('/api/customers?createdFrom=7月1日', { token: manager })).status).toBe(400);
  });
});
