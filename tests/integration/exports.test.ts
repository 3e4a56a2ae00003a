// Exports (K8): POST /api/exports answers an .xlsx, read back here with exceljs. Permission, scope,
// filters, the audit entry, formula escaping, the watermark, masking and the row cap.
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { RequestScope } from '../../server/src/core/auth/scope.ts';
import { exportBody } from '../../server/src/modules/exports/export.input.ts';
import { safeText } from '../../server/src/modules/exports/cells.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;

// 19:30 in Shanghai
const clock = new ManualClock('2026-11-24T11:30:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
const east: string[] = [];
const south: string[] = [];
const injected: Record<string, string> = {};

interface Sheet {
  name: string;
  /** number formats of the first data row, by header */
  formats: Record<string, string>;
  watermark: string;
  header: string[];
  rows: Record<string, string>[];
}

async function readWorkbook(data: ArrayBuffer | Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(data as never);
  const sheet = workbook.worksheets[0]!;
  const text = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1).map((v) => (v === undefined || v === null ? '' : String(v)));
  const header = text(2);
  const rows: Record<string, string>[] = [];
  for (let i = 3; i <= sheet.rowCount; i++) rows.push(Object.fromEntries(header.map((h, j) => [h, text(i)[j] ?? ''])));
  const formats = Object.fromEntries(header.map((h, j) => [h, sheet.getCell(3, j + 1).numFmt ?? '']));
  return { name: sheet.name, formats, watermark: String(sheet.getCell(1, 1).value), header, rows };
}

async function exportAs(login: DemoLogin, body: Json, headers: Record<string, string> = {}) {
  const response = await t.request('/api/exports', { method: 'POST', token: tokens[login], json: body, headers });
  if (response.status !== 200) return { status: response.status, headers: response.headers, error: ((await response.json()) as Json).error, sheet: null };
  return { status: 200, headers: response.headers, error: null, sheet: await readWorkbook(await response.arrayBuffer()) };
}

async function create(login: DemoLogin, body: Json): Promise<Json> {
  const response = await t.request('/api/customers', { method: 'POST', token: tokens[login], json: body });
  expect(response.status, JSON.stringify(body)).toBe(201);
  return (await response.json()) as Json;
}

const company = (name: string, extra: Json = {}) => ({ type: 'company', name, industry: '互联网', source: '官网', ...extra });

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  tokens = await demoTokens(t);
  ids = await demoUserIds(t);

  const yunfan = await create('rep.east1', company('杭州云帆网络科技有限公司', {
    phones: ['13800138001'],
    region: { province: '浙江', city: '杭州', district: '拱墅' },
    level: 'A',
    tags: ['重点', '展会'],
  }));
  east.push(yunfan.name);
  const contact = await t.request(`/api/customers/${yunfan.id}/contacts`, { method: 'POST', token: tokens['rep.east1'], json: { name: '陈晨', position: '采购经理', phones: ['13900139001'], isPrimary: true } });
  expect(contact.status).toBe(201);
  for (const [at, content] of [['2026-11-01T02:00:00Z', '十一月初电话沟通'], ['2026-11-20T06:00:00Z', '上门拜访演示产品']] as const) {
    const followUp = await t.request(`/api/customers/${yunfan.id}/follow-ups`, {
      method: 'POST',
      token: tokens['rep.east1'],
      json: { method: content.includes('拜访') ? 'visit' : 'call', content, at, stage: content.includes('拜访') ? 'prospect' : undefined },
    });
    expect(followUp.status).toBe(201);
  }
  east.push((await create('rep.east2', company('宁波海曙贸易有限公司', { phones: ['13800138002'] }))).name);
  east.push((await create('manager.east', company('上海浦东物流有限公司'))).name);

  // names a spreadsheet would take for formulas
  for (const name of ['=HYPERLINK("http://evil.example/x","点我")', '+1 王先生', '-2 李女士', '@SUM(1+1)']) {
    const created = await create('rep.east1', { type: 'person', name, source: '转介绍' });
    injected[name] = created.name;
    east.push(created.name);
  }

  const shenzhen = await create('rep.south1', company('深圳南山电子有限公司', { phones: ['13800138003'] }));
  south.push(shenzhen.name);
  expect((await t.request(`/api/customers/${shenzhen.id}/contacts`, { method: 'POST', token: tokens['rep.south1'], json: { name: '林涛', phones: ['13900139003'] } })).status).toBe(201);
  expect((await t.request(`/api/customers/${shenzhen.id}/follow-ups`, { method: 'POST', token: tokens['rep.south1'], json: { method: 'call', content: '华南跟进' } })).status).toBe(201);
});
afterAll(() => t.close());

describe('who may export', () => {
  it('refuses reps and service staff (no customer.export) with a stable code, in their language', async () => {
    for (const login of ['rep.east1', 'service1'] as const) {
      const { status, error } = await exportAs(login, { resource: 'customers' });
      expect([login, status, error.code]).toEqual([login, 403, 'FORBIDDEN']);
      expect(error.message).toBe('没有导出数据的权限');
    }
    const en = await exportAs('rep.east1', { resource: 'contacts' }, { 'Accept-Language': 'en' });
    expect(en.error.message).toBe('You are not allowed to export data');
    expect(await t.inspect.audit.countDocuments({ action: 'customer.export', actorId: ids['rep.east1'] })).toBe(0);
  });

  it('answers a manager with an .xlsx download named for the day', async () => {
    const { status, headers, sheet } = await exportAs('manager.east', { resource: 'customers' });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const disposition = headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment;/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('客户导出-20261124.xlsx')}`);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(sheet!.name).toBe('客户');
  });

  it('refuses unknown resources and filters as the list does', async () => {
    expect((await exportAs('manager.east', { resource: 'contracts' })).status).toBe(400);
    expect((await exportAs('manager.east', { resource: 'customers', filter: { ownerId: { $ne: null } } })).status).toBe(400);
    expect((await exportAs('manager.east', { resource: 'customers', filter: { stage: 'unknown' } })).status).toBe(400);
  });
});

describe('the customer export', () => {
  it('holds exactly the customers of the manager’s department tree', async () => {
    const { sheet } = await exportAs('manager.east', { resource: 'customers' });
    expect(sheet!.rows.map((r) => r['客户名称']).sort()).toEqual(east.map(safeText).sort());
  });

  it('holds every customer for a director', async () => {
    const { sheet } = await exportAs('director', { resource: 'customers' });
    expect(sheet!.rows.map((r) => r['客户名称']).sort()).toEqual([...east, ...south].map(safeText).sort());
  });

  it('starts with the watermark line, then the localised header row', async () => {
    const { sheet } = await exportAs('manager.east', { resource: 'customers' });
    expect(sheet!.watermark).toBe('导出人：张伟（manager.east） 导出时间：2026-11-24 19:30（Asia/Shanghai）');
    expect(sheet!.header.slice(0, 8)).toEqual(['客户名称', '类型', '行业', '规模', '级别', '来源', '阶段', '省/市/区']);

    const en = await exportAs('director', { resource: 'customers' }, { 'Accept-Language': 'en' });
    expect(en.headers.get('content-disposition')).toContain('filename="customers-20261124.xlsx"');
    expect(en.sheet!.name).toBe('Customers');
    expect(en.sheet!.watermark).toBe('Exported by: 孙浩 (director)  Exported at: 2026-11-24 19:30 (Asia/Shanghai)');
    expect(en.sheet!.header.slice(0, 3)).toEqual(['Customer', 'Type', 'Industry']);
    expect(en.sheet!.rows.find((r) => r.Customer === '杭州云帆网络科技有限公司')).toMatchObject({ Type: 'Company', Level: 'A (key account)', Stage: 'Prospect' });
  });

  it('shows what people read: names, 省/市/区, labels, Shanghai times and yuan', async () => {
    // imported lists carry a yearly purchase volume, stored in fen
    await t.inspect.customers.updateOne({ name: '杭州云帆网络科技有限公司' }, { $set: { annualAmountFen: 12_345_678 } });
    const { sheet } = await exportAs('manager.east', { resource: 'customers' });
    const row = sheet!.rows.find((r) => r['客户名称'] === '杭州云帆网络科技有限公司')!;
    expect(sheet!.formats['年采购额（元）']).toBe('#,##0.00');
    expect(row).toMatchObject({
      类型: '企业',
      行业: '互联网',
      级别: 'A（重点客户）',
      来源: '官网',
      阶段: '意向', // moved by the visit
      '省/市/区': '浙江省/杭州市/拱墅区',
      电话: '13800138001', // managers see full numbers
      标签: '重点、展会',
      负责人: '李娜',
      所属部门: '华东大区',
      最近跟进: '2026-11-20 14:00',
      创建人: '李娜',
      创建时间: '2026-11-24 19:30',
      '年采购额（元）': '123456.78',
    });
  });

  it('applies the list filters', async () => {
    const byOwner = await exportAs('manager.east', { resource: 'customers', filter: { owner: ids['rep.east2'] } });
    expect(byOwner.sheet!.rows.map((r) => r['客户名称'])).toEqual(['宁波海曙贸易有限公司']);
    const byStage = await exportAs('director', { resource: 'customers', filter: { stage: 'prospect' } });
    expect(byStage.sheet!.rows.map((r) => r['客户名称'])).toEqual(['杭州云帆网络科技有限公司']);
    const byKeyword = await exportAs('director', { resource: 'customers', filter: { keyword: '海曙' } });
    expect(byKeyword.sheet!.rows.map((r) => r['客户名称'])).toEqual(['宁波海曙贸易有限公司']);
    const incomplete = await exportAs('director', { resource: 'customers', filter: { needsCompletion: true } });
    expect(incomplete.sheet!.rows.map((r) => r['客户名称'])).not.toContain('杭州云帆网络科技有限公司');
    // a department outside the manager's tree narrows to nothing rather than widening the scope
    const southDepartment = (await t.inspect.users.findById(ids['rep.south1']).lean())!.departmentId!.toHexString();
    const outside = await exportAs('manager.east', { resource: 'customers', filter: { department: southDepartment } });
    expect(outside.sheet!.rows).toEqual([]);
  });

  it('escapes text a spreadsheet would run as a formula', async () => {
    const { sheet } = await exportAs('manager.east', { resource: 'customers', filter: { owner: ids['rep.east1'] } });
    const names = sheet!.rows.map((r) => r['客户名称']);
    for (const stored of Object.values(injected)) {
      expect(/^[=+\-@]/.test(stored), stored).toBe(true);
      expect(names).toContain(`'${stored}`);
    }
    expect(names).toContain('杭州云帆网络科技有限公司'); // ordinary text is left alone
  });

  it('audits every export: who, what, the filter, the rows and when', async () => {
    const before = await t.inspect.audit.countDocuments({ action: 'customer.export' });
    const { sheet } = await exportAs('manager.east', { resource: 'customers', filter: { owner: ids['rep.east1'] } });
    const entries = await t.inspect.audit.find({ action: 'customer.export' }).sort({ _id: -1 }).lean();
    expect(entries).toHaveLength(before + 1);
    const entry = entries[0]!;
    expect(entry.actorId?.toHexString()).toBe(ids['manager.east']);
    expect(entry.at).toEqual(clock.now());
    expect(entry.customerId).toBeNull();
    expect(entry.details).toMatchObject({ resource: 'customers', filter: { owner: ids['rep.east1'] }, rows: sheet!.rows.length, status: 'complete' });
    expect(sheet!.rows.length).toBe(5);
  });
});

describe('contacts and follow-ups', () => {
  it('exports the contacts of the customers in scope, beside their customer', async () => {
    const manager = await exportAs('manager.east', { resource: 'contacts' });
    expect(manager.headers.get('content-disposition')).toContain(encodeURIComponent('联系人导出-20261124.xlsx'));
    expect(manager.sheet!.rows).toEqual([
      expect.objectContaining({ 所属客户: '杭州云帆网络科技有限公司', 客户负责人: '李娜', 姓名: '陈晨', 职务: '采购经理', 电话: '13900139001', 主要联系人: '是', 已离职: '否' }),
    ]);
    const director = await exportAs('director', { resource: 'contacts' });
    expect(director.sheet!.rows.map((r) => r['姓名']).sort()).toEqual(['林涛', '陈晨'].sort());
    const southOnly = await exportAs('director', { resource: 'contacts', filter: { keyword: '南山' } });
    expect(southOnly.sheet!.rows.map((r) => r['姓名'])).toEqual(['林涛']);
  });

  it('exports follow-ups filtered by their customers and by date, in Shanghai time', async () => {
    const all = await exportAs('manager.east', { resource: 'followUps' });
    expect(all.sheet!.rows.map((r) => r['跟进内容'])).toEqual(['上门拜访演示产品', '十一月初电话沟通']);
    const recent = await exportAs('manager.east', { resource: 'followUps', filter: { from: '2026-11-15', to: '2026-11-24' } });
    expect(recent.sheet!.rows).toEqual([
      expect.objectContaining({
        客户名称: '杭州云帆网络科技有限公司',
        客户负责人: '李娜',
        跟进时间: '2026-11-20 14:00',
        跟进方式: '拜访',
        阶段变化: '线索 → 意向',
        记录人: '李娜',
      }),
    ]);
    const director = await exportAs('director', { resource: 'followUps', filter: { method: 'call' } });
    expect(director.sheet!.rows.map((r) => r['跟进内容']).sort()).toEqual(['华南跟进', '十一月初电话沟通'].sort());
    const audit = await t.inspect.audit.findOne({ action: 'customer.export', 'details.resource': 'followUps', 'details.filter.method': 'call' }).lean();
    expect(audit?.details).toMatchObject({ rows: 2 });
  });
});

describe('phone masking', () => {
  it('masks phones as the customer view does for a role whose field rules mask them', async () => {
    // the default rules show managers the full numbers; an admin may mask them
    const real = (await t.app.services.auth.scopeFor(ids['manager.east']))!;
    const scope = new RequestScope({
      user: real.user,
      permissions: real.permissions,
      departmentSubtree: real.departmentSubtree,
      fieldRules: { 'customer.phones': 'masked', 'contact.phones': 'masked' },
    });
    const meta = { locale: 'zh-CN' as const, client: { via: 'api' as const } };
    const read = async (body: Json) => {
      const job = await t.app.services.exports.prepare(scope, exportBody.parse(body), meta);
      const out = new PassThrough();
      const [data] = await Promise.all([buffer(out), t.app.services.exports.write(job, out)]);
      return readWorkbook(data);
    };
    const customers = await read({ resource: 'customers', filter: { keyword: '云帆' } });
    expect(customers.rows[0]!['电话']).toBe('138****8001');
    const contacts = await read({ resource: 'contacts' });
    expect(contacts.rows[0]!['电话']).toBe('139****9001');
  });
});

describe('the row cap', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ clock, env: { EXPORT_MAX_ROWS: '2' } });
  });
  afterAll(() => small.close());

  it('refuses an export above the cap before writing anything, and takes one at the cap', async () => {
    const token = await small.login('director');
    for (const name of ['封顶一号有限公司', '封顶二号有限公司', '封顶三号有限公司']) {
      expect((await small.request('/api/customers', { method: 'POST', token, json: company(name) })).status).toBe(201);
    }
    const response = await small.request('/api/exports', { method: 'POST', token, json: { resource: 'customers' } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/json/);
    const { error } = (await response.json()) as Json;
    expect(error).toMatchObject({ code: 'VALIDATION', message: '本次导出有 3 行，超过上限 2 行，请缩小筛选范围后再导出', details: { reason: 'tooManyRows', rows: 3, max: 2 } });
    expect(await small.inspect.audit.countDocuments({ action: 'customer.export' })).toBe(0);

    const narrowed = await small.request('/api/exports', { method: 'POST', token, json: { resource: 'customers', filter: { keyword: '一号' } } });
    expect(narrowed.status).toBe(200);
    expect((await readWorkbook(await narrowed.arrayBuffer())).rows).toHaveLength(1);
  });
});

describe('a large export', () => {
  it('reads the book in batches from one cursor, in the list order, and counts every row', async () => {
    const owner = (await t.inspect.users.findById(ids['rep.east2']).lean())!;
    const now = clock.now();
    const many = 1203; // three batches and a bit
    await t.inspect.customers.insertMany(
      Array.from({ length: many }, (_, i) => ({
        type: 'company', name: `批量${String(i).padStart(4, '0')}有限公司`, industry: '物流', source: '官网', stage: 'lead', phones: [], tags: ['批量'],
        ownerId: owner._id, ownerDepartmentId: owner.departmentId, ownerSince: now, collaboratorIds: [], locked: false, pool: null, releases: [],
        lastFollowUpAt: null, nextFollowUpAt: null, needsCompletion: [], nameKey: `批量${i}`, pinyinKey: `pl${i}`, searchTokens: [],
        createdBy: owner._id, updatedBy: owner._id, createdAt: now, updatedAt: new Date(now.getTime() - i * 1000), deletedAt: null, version: 0,
      })),
    );
    const { sheet } = await exportAs('manager.east', { resource: 'customers', filter: { tag: '批量' } });
    expect(sheet!.rows).toHaveLength(many);
    expect(sheet!.rows.map((r) => r['客户名称'])).toEqual(Array.from({ length: many }, (_, i) => `批量${String(i).padStart(4, '0')}有限公司`));
    expect(sheet!.rows[0]).toMatchObject({ 负责人: '王芳', 行业: '物流', 阶段: '线索' });
    const entry = await t.inspect.audit.findOne({ action: 'customer.export', 'details.filter.tag': '批量' }).lean();
    expect(entry?.details).toMatchObject({ rows: many, counted: many, status: 'complete' });
  });
});
