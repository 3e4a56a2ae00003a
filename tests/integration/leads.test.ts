// Leads (线索): captured from the API and from a public form, matched against existing customers
// (attached, owner told) or created and handed out by the rules — evenly and deterministically
// under concurrency, never across regions, skipping reps away — with the pool as the fallback.
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
const zhejiangReps: string[] = [];
let zhejiangTeam = '';

beforeAll(async () => {
  t = await startTestApp({ env: { FORM_RATE_PER_MINUTE: '5' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
  // a fresh team of three reps with nothing in hand, under the sales centre
  const centre = (await t.inspect.departments.findOne({ name: '销售中心' }).lean())!;
  const team = await t.inspect.departments.create({ name: '浙江线索组', parentId: centre._id, ancestors: [...centre.ancestors, centre._id], order: 9, platformRefs: [] });
  zhejiangTeam = team._id.toHexString();
  for (const [i, name] of ['钱一', '钱二', '钱三'].entries()) {
    const user = await t.inspect.users.create({ login: `zj.rep${i + 1}`, name, role: 'rep', departmentId: team._id, isManager: false, active: true });
    zhejiangReps.push(user._id.toHexString());
  }
  const east = (await t.inspect.users.findById(ids['rep.east1']).lean())!.departmentId!.toHexString();
  const saved = await t.request('/api/lead-rules', {
    method: 'PUT',
    token: tokens.admin,
    json: { rules: [{ name: '浙江', provinces: ['浙江省'], departmentId: zhejiangTeam }, { name: '官网表单', sources: ['form'], departmentId: east }] },
  });
  expect(saved.status).toBe(200);
});
afterAll(() => t.close());

const addLead = (json: Json, login: DemoLogin = 'admin') => t.request('/api/leads', { method: 'POST', token: tokens[login], json });

describe('lead assignment', () => {
  it('shares 20 leads arriving at once evenly over the team’s three reps, and only within the region', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => addLead({ name: `浙江客户${i}`, company: `浙江线索${i}号科技有限公司`, phone: `1360571${String(i).padStart(4, '0')}`, province: '浙江', city: '杭州市' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const results = (await Promise.all(answers.map((a) => a.json()))) as Json[];
    expect(results.every((r) => r.outcome === 'created' && zhejiangReps.includes(r.assignedTo))).toBe(true);
    const counts = zhejiangReps.map((rep) => results.filter((r) => r.assignedTo === rep).length);
    expect(counts.sort()).toEqual([6, 7, 7]);
    const customer = (await t.inspect.customers.findById(results[0]!.customerId).lean())!;
    expect([customer.stage, customer.region?.province, customer.ownerDepartmentId?.toHexString()]).toEqual(['lead', '浙江省', zhejiangTeam]);
    // each rep was told, with the 24-hour reminder
    const card = (await t.inspect.outbox.findOne({ userId: results[0]!.assignedTo, 'card.data.kind': 'newLead', 'card.data.customer.id': results[0]!.customerId }).lean())!;
    expect(card.card.data).toMatchObject({ known: false, source: 'api', customer: { id: results[0]!.customerId } });
  });

  it('skips a rep who is away, and sends a lead no rule takes to the pool', async () => {
    await t.inspect.users.updateOne({ _id: new Types.ObjectId(zhejiangReps[0]) }, { $set: { delegation: { toUserId: new Types.ObjectId(zhejiangReps[1]), until: new Date(Date.now() + 86_400_000) } } });
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await (await addLead({ name: `外出测试${i}`, phone: `1370571${String(i).padStart(4, '0')}`, province: '浙江省' })).json()) as Json);
    expect(results.map((r) => r.assignedTo)).not.toContain(zhejiangReps[0]);
    await t.inspect.users.updateOne({ _id: new Types.ObjectId(zhejiangReps[0]) }, { $set: { delegation: null } });

    const guangdong = (await (await addLead({ name: '广东客户', company: '广东线索科技有限公司', phone: '13800200001', province: '广东省' })).json()) as Json;
    expect(guangdong.assignedTo).toBeNull();
    const pooled = (await t.inspect.customers.findById(guangdong.customerId).lean())!;
    expect([pooled.ownerId, pooled.pool !== null]).toEqual([null, true]);
  });

  it('attaches a lead from someone already a customer, and tells the owner', async () => {
    const created = await t.request('/api/customers', { method: 'POST', token: tokens['rep.east2'], json: { type: 'company', name: '已有客户线索有限公司', industry: '教育', source: '官网', phones: ['13912340000'] } });
    const existing = ((await created.json()) as Json).id;
    const before = await t.inspect.customers.countDocuments();
    const lead = (await (await addLead({ name: '王经理', phone: '+86 139-1234-0000', province: '浙江' })).json()) as Json;
    expect(lead).toMatchObject({ outcome: 'attached', customerId: existing, assignedTo: ids['rep.east2'] });
    expect(await t.inspect.customers.countDocuments()).toBe(before);
    const card = (await t.inspect.outbox.findOne({ userId: ids['rep.east2'], 'card.data.kind': 'newLead', 'card.data.known': true }).lean())!;
    expect(card.card.data).toMatchObject({ known: true, contact: '王经理' });
    // a rep keeps their own lead when they ask to
    const mine = (await (await addLead({ name: '自己的线索', phone: '13700009999', province: '浙江', keep: true }, 'rep.south1')).json()) as Json;
    expect(mine.assignedTo).toBe(ids['rep.south1']);
    expect((await addLead({ name: '无联系方式' })).status).toBe(400);
  });
});

describe('public lead forms', () => {
  it('take a submission from an anonymous page, refuse bots and floods, and hand the lead out', async () => {
    const form = await t.request('/api/lead-forms', {
      method: 'POST',
      token: tokens.admin,
      json: { title: '预约演示', intro: '留下电话，顾问一个工作日内联系您', fields: [{ key: 'name', label: '姓名', required: true }, { key: 'company', label: '公司' }, { key: 'phone', label: '手机', required: true }] },
    });
    const { id, path } = (await form.json()) as Json;
    expect(path).toBe(`/f/${id}`);
    const page = await t.request(path);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await page.text()).toContain('预约演示');
    const submit = (fields: Record<string, string>) =>
      t.request(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

    const before = await t.inspect.leadEntries.countDocuments();
    expect((await submit({ name: '机器人', phone: '13800000000', website: 'http://spam.example' })).status).toBe(200);
    expect((await submit({ name: '缺电话' })).status).toBe(400);
    expect(await t.inspect.leadEntries.countDocuments()).toBe(before);

    const ok = await submit({ name: '赵先生', company: '表单线索贸易有限公司', phone: '13600001111' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('提交成功');
    const entry = (await t.inspect.leadEntries.findOne({ name: '赵先生' }).lean())!;
    expect(entry).toMatchObject({ source: 'form', outcome: 'created', route: 'rule:1' });
    const eastReps = [ids['rep.east1'], ids['rep.east2'], ids['rep.east3']];
    expect(eastReps).toContain(entry.assignedTo!.toHexString());

    // five a minute from one address: the sixth is refused and nothing of it is kept
    await submit({ name: '三号', phone: '13600002222' });
    await submit({ name: '四号', phone: '13600003333' });
    const flood = await submit({ name: '六号', phone: '13600004444' });
    expect(flood.status).toBe(429);
    expect(await t.inspect.leadEntries.countDocuments({ name: '六号' })).toBe(0);
    expect((await t.request(`/f/${new Types.ObjectId().toHexString()}`)).status).toBe(404);
  });

  it('shows each user the leads handed to them (managers their team’s, admins all)', async () => {
    const mine = ((await (await t.request('/api/leads', { token: tokens['rep.south1'] })).json()) as Json).items;
    expect(mine.every((l: Json) => l.assignedTo?.id === ids['rep.south1'])).toBe(true);
    expect(mine.length).toBeGreaterThan(0);
    const manager = ((await (await t.request('/api/leads?limit=200', { token: tokens['manager.east'] })).json()) as Json).items;
    expect(manager.some((l: Json) => l.name === '赵先生')).toBe(true);
    expect(manager.some((l: Json) => l.assignedTo?.id === ids['rep.south1'])).toBe(false);
    expect((await t.request('/api/lead-rules', { token: tokens['manager.east'] })).status).toBe(403);
  });
});
