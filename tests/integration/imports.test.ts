// Customer import on the dirty sample list, end to end over HTTP against the embedded database:
// dry run (every faulty row with its reasons, duplicates grouped and scored against the labels,
// nothing written), commit with no silent drop, a resumed commit that creates nothing twice, the
// result file, a second import that meets the first one's customers, scope in the hints, and
// hostile files.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, fixtureRows } from '../helpers/fixtures.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
const tokens: Record<string, string> = {};
const users: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  for (const login of ['admin', 'manager.east', 'manager.south', 'rep.east1', 'rep.east2', 'rep.east3']) {
    tokens[login] = await t.login(login);
    const me = (await (await t.request('/api/me', { token: tokens[login] })).json()) as Json;
    users[login] = me.user?.id ?? me.id;
  }
});
afterAll(() => t.close());

async function upload(token: string, content: Buffer, name: string, query = '') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  return t.request(`/api/imports${query}`, { method: 'POST', token, body: form });
}

async function until(token: string, id: string, statuses: string[]): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const job = (await (await t.request(`/api/imports/${id}`, { token })).json()) as Json;
    if (statuses.includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} never reached ${statuses.join('/')}`);
}

async function allRows(token: string, id: string, filter = 'all'): Promise<Json[]> {
  const rows: Json[] = [];
  let after: number | null = -1;
  while (after !== null) {
    const page = (await (await t.request(`/api/imports/${id}/rows?filter=${filter}&limit=200&after=${after}`, { token })).json()) as Json;
    rows.push(...page.items);
    after = page.nextAfter;
  }
  return rows;
}

const ownerMap = () => ({
  刘经理: users['manager.east']!,
  张经理: users['manager.east']!,
  赵专员: users['rep.east1']!,
  陈专员: users['rep.east1']!,
  王专员: users['rep.east2']!,
  李专员: users['rep.east3']!,
});

const customerCount = () => t.inspect.customers.countDocuments({ deletedAt: null });

describe('importing the sample list', () => {
  let id: string;
  let rows: Json[];

  it('analyses the workbook in a dry run that writes no customer', async () => {
    const before = await customerCount();
    const response = await upload(tokens['manager.east']!, readFileSync(fixtureDir + 'customers.xlsx'), 'customers.xlsx');
    expect(response.status).toBe(202);
    const created = (await response.json()) as Json;
    id = created.id;
    expect(created.mapping).toMatchObject({ '0': 'name', '1': 'type', '2': 'industry', '3': 'contactName', '5': 'phone', '7': 'address', '9': 'owner', '10': 'createdAt' });
    // the owners are nicknames (张经理): mapped to users, the dry run runs again
    const first = await until(tokens['manager.east']!, id, ['ready']);
    expect([...first.unknownOwners].sort()).toEqual(['刘经理', '张经理', '无此人', '李专员', '王专员', '赵专员', '陈专员'].sort());
    const configured = await t.request(`/api/imports/${id}/settings`, { method: 'PUT', token: tokens['manager.east'], json: { ownerMap: ownerMap() } });
    expect(configured.status).toBe(200);
    const job = await until(tokens['manager.east']!, id, ['ready']);
    expect(job.counts.rows).toBe(554);
    rows = await allRows(tokens['manager.east']!, id);
    expect(rows).toHaveLength(554);
    expect(await customerCount()).toBe(before);
  });

  it('reports every faulty row with its reason per field', async () => {
    const invalid = rows.filter((r) => r.status === 'invalid');
    const byLine = new Map(invalid.map((r) => [r.line, r]));
    // file line = data row + 1 (the header)
    const bad = byLine.get(17)!;
    expect(bad.errors.map((e: Json) => `${e.field}:${e.code}`).sort()).toEqual(
      ['annualAmount:invalidAmount', 'createdAt:invalidDate', 'email:invalidEmail', 'owner:unknownOwner', 'phone:invalidPhone'].sort(),
    );
    expect(byLine.get(253)!.errors).toEqual([expect.objectContaining({ field: 'name', code: 'required' })]);
    expect(invalid).toHaveLength(2);
    // hostile cells are kept as plain text, never interpreted
    const script = rows.find((r) => String(r.cells[0]).startsWith('<script>'))!;
    expect(script.status).toBe('pending');
    expect(script.customer.name).toBe('<script>alert（1）</script>科技有限公司'); // brackets as the name standard writes them
    expect(script.customer.notes).toBe('{"$gt": ""}');
    // standards applied: synonyms, regions from free addresses, dates and amounts
    const first = rows[0]!;
    expect(first.customer).toMatchObject({ type: 'company', industry: '物流', source: '公众号', region: { province: '上海市', city: '上海市', district: '闵行区' }, annualAmountFen: 28_500_000 });
    const beijing = rows.find((r) => r.cells[7] === '北京 北京 海淀区 长江路489号')!;
    expect(beijing.customer.region).toEqual({ province: '北京市', city: '北京市', district: '海淀区' });
    const serialDate = rows.find((r) => r.cells[10] === '45225');
    expect(serialDate?.customer.createdAt).toBe('2023-10-26T00:00:00.000Z');
  });

  it('groups the duplicates within the file as the labels do', async () => {
    const entityOf = new Map(fixtureRows().map((r) => [r.row - 1, r.entity]));
    const valid = rows.filter((r) => r.status !== 'invalid');
    let truePairs = 0;
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < valid.length; i++) {
      for (let j = i + 1; j < valid.length; j++) {
        const [a, b] = [valid[i]!, valid[j]!];
        const same = entityOf.get(a.index) === entityOf.get(b.index);
        const grouped = a.group !== null && a.group === b.group;
        if (same) actual++;
        if (grouped) predicted++;
        if (same && grouped) truePairs++;
      }
    }
    const precision = truePairs / predicted;
    const recall = truePairs / actual;
    console.info(`duplicate detection on the sample: ${predicted} pairs found, ${actual} labelled, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.9);
    const grouped = rows.filter((r) => r.group);
    expect(grouped.every((r) => r.matches.length === 0)).toBe(true); // nothing stored yet to match
  });

  it('commits with no silent drop, once', async () => {
    const before = await customerCount();
    const response = await t.request(`/api/imports/${id}/commit`, { method: 'POST', token: tokens['manager.east'] });
    expect(response.status).toBe(200);
    await t.request(`/api/imports/${id}/commit`, { method: 'POST', token: tokens['manager.east'] }); // twice: nothing more
    const job = await until(tokens['manager.east']!, id, ['done', 'failed']);
    expect(job.status).toBe('done');
    const { rows: total, created, merged, skipped, invalid } = job.counts;
    expect(created + merged + skipped + invalid).toBe(total);
    expect(invalid).toBe(2);
    expect(skipped).toBe(0);
    expect(await customerCount()).toBe(before + created);
    const groups = new Set(rows.filter((r) => r.group).map((r) => r.group)).size;
    const singles = rows.filter((r) => r.status !== 'invalid' && !r.group).length;
    expect(created).toBe(groups + singles);
    expect(job.progress.percent).toBe(100);
    // every valid row points at its customer; grouped rows share one
    const done = await allRows(tokens['manager.east']!, id);
    for (const row of done.filter((r) => r.group)) {
      expect(row.customerId).toBe(done.find((r) => r.group === row.group && r.leader)!.customerId);
    }
    // the group's contacts and phones are all on the customer
    const leader = done.find((r) => r.group && r.leader && done.filter((x) => x.group === r.group).length === 3)!;
    const contacts = await t.inspect.contacts.find({ customerId: leader.customerId, deletedAt: null }).lean();
    const names = new Set(done.filter((r) => r.group === leader.group).map((r) => r.customer.contact ?? r.contact?.name));
    expect(contacts.length).toBe(names.size);
  });

  it('resumes a commit cut off midway without creating anything twice', async () => {
    const before = await customerCount();
    // as if the worker died: the import back to committing from the start, its lease run out
    await t.inspect.imports.updateOne({ _id: id }, { $set: { status: 'committing', position: 0, lease: { until: new Date(0), by: 'gone' } } });
    await t.inspect.importRows.updateMany({ importId: id, status: { $ne: 'invalid' } }, { $set: { status: 'pending' } });
    await t.app.services.imports.work();
    const job = await until(tokens['manager.east']!, id, ['done']);
    expect(await customerCount()).toBe(before);
    expect(job.counts.created + job.counts.merged + job.counts.skipped + job.counts.invalid).toBe(554);
  });

  it('writes the result file: input rows with status and reason', async () => {
    const response = await t.request(`/api/imports/${id}/result.xlsx`, { token: tokens['manager.east'] });
    expect(response.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(555);
    expect(sheet.getRow(1).getCell(14).value).toBe('导入结果');
    const bad = sheet.getRow(17);
    expect(bad.getCell(1).value).toBe('无效电话有限公司');
    expect(bad.getCell(14).value).toBe('无效');
    expect(String(bad.getCell(15).value)).toContain('联系电话：不是有效的电话号码');
    expect(String(bad.getCell(15).value)).toContain('负责人：找不到该负责人');
    // a cell that spreadsheets would run is written as text
    const negative = bad.getCell(12).value;
    expect(negative).toBe("'-500");
  });

  it('meets the stored customers on a second import and merges by default', async () => {
    const before = await customerCount();
    const csv = readFileSync(fixtureDir + 'customers.csv', 'utf8').replace(/^\uFEFF/, '');
    // the same list as Chinese Excel saves CSV: GBK, no BOM
    const response = await upload(tokens['manager.east']!, iconv.encode(csv, 'gbk'), '客户.csv');
    expect(response.status).toBe(202);
    const second = ((await response.json()) as Json).id;
    await until(tokens['manager.east']!, second, ['ready']);
    await t.request(`/api/imports/${second}/settings`, { method: 'PUT', token: tokens['manager.east'], json: { ownerMap: ownerMap() } });
    const job = await until(tokens['manager.east']!, second, ['ready']);
    expect(job.encoding).toBe('gb18030');
    const secondRows = await allRows(tokens['manager.east']!, second);
    const valid = secondRows.filter((r) => r.status !== 'invalid');
    expect(valid.every((r) => r.matches.length > 0)).toBe(true);
    expect(valid[0]!.matches[0]).toMatchObject({ visible: true, reasons: expect.any(Array) });
    // phones and emails in the reasons are masked, whoever's customer matched
    const phoneReasons = valid.flatMap((r) => r.matches.flatMap((m: Json) => m.reasons)).filter((x: Json) => x.kind === 'mobile' || x.kind === 'landline');
    expect(phoneReasons.length).toBeGreaterThan(0);
    expect(phoneReasons.every((x: Json) => /\*{4}/.test(x.value))).toBe(true);
    expect(job.decisions).toEqual(expect.any(Object));
    await t.request(`/api/imports/${second}/commit`, { method: 'POST', token: tokens['manager.east'] });
    const done = await until(tokens['manager.east']!, second, ['done']);
    expect(done.counts.created).toBe(0);
    expect(done.counts.merged + done.counts.skipped + done.counts.invalid).toBe(554);
    expect(await customerCount()).toBe(before);
  });

  it("names another team's customers in hints without opening them", async () => {
    const response = await upload(tokens['manager.south']!, readFileSync(fixtureDir + 'customers.csv'), 'south.csv');
    const south = ((await response.json()) as Json).id;
    const job = await until(tokens['manager.south']!, south, ['ready']);
    const dupes = await allRows(tokens['manager.south']!, south, 'duplicates');
    const matched = dupes.find((r) => r.matches.length)!;
    const hint = matched.matches[0];
    expect(hint).toMatchObject({ id: null, visible: false });
    expect(hint.name).toBeTruthy();
    expect(JSON.stringify(dupes)).not.toMatch(/"customerId":"[0-9a-f]{24}"/);
    // their groups default to skip: nobody merges into a customer they cannot see
    const merged = await t.request(`/api/imports/${south}/decisions`, { method: 'PUT', token: tokens['manager.south'], json: { decisions: { [matched.group]: { action: 'merge' } } } });
    expect(merged.status).toBe(400);
    expect(job.status).toBe('ready');
    // and another importer cannot read the import at all
    expect((await t.request(`/api/imports/${south}`, { token: tokens['manager.east'] })).status).toBe(404);
  });
});

describe('rows that add to one contact', () => {
  it('keeps every phone when the rows of one batch add to the same contact person', async () => {
    const token = tokens['admin']!;
    const importCsv = async (csv: string) => {
      const response = await upload(token, Buffer.from(csv), 'contacts.csv');
      expect(response.status).toBe(202);
      const id = ((await response.json()) as Json).id;
      await until(token, id, ['ready']);
      await t.request(`/api/imports/${id}/commit`, { method: 'POST', token });
      return until(token, id, ['done']);
    };
    const phonesOf = async (name: string) => {
      const customer = await t.inspect.customers.findOne({ name: '联系人合并测试有限公司', deletedAt: null }).lean();
      const contact = await t.inspect.contacts.findOne({ customerId: customer!._id, name, deletedAt: null }).lean();
      return [...(contact?.phones ?? [])].sort();
    };
    // one row creates the customer and 王五; two rows of one group create it and add to 王五
    const first = await importCsv('客户名称,联系人,联系电话\n联系人合并测试有限公司,王五,13811110001\n联系人合并测试有限公司,王五,13811110002\n');
    expect(first.counts).toMatchObject({ created: 1, merged: 1 });
    expect(await phonesOf('王五')).toEqual(['13811110001', '13811110002']);
    // a second file: two more rows merge into the stored customer, each adding a phone to 王五
    const second = await importCsv('客户名称,联系人,联系电话\n联系人合并测试有限公司,王五,13811110003\n联系人合并测试有限公司,王五,13811110004\n');
    expect(second.counts).toMatchObject({ created: 0, merged: 2 });
    expect(await phonesOf('王五')).toEqual(['13811110001', '13811110002', '13811110003', '13811110004']);
    expect(await t.inspect.contacts.countDocuments({ name: '王五', deletedAt: null })).toBe(1);
  });
});

describe('hostile and wrong files', () => {
  it('refuses wrong types with a clear error', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const asImage = await upload(tokens['admin']!, png, 'customers.xlsx');
    expect(asImage.status).toBe(400);
    expect(((await asImage.json()) as Json).error.message).toBe('只能导入 Excel（.xlsx）或 CSV 文件');
    // a zip that is not a workbook
    const zip = Buffer.from('UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAFAAAAYS50eHRQSwECFAAKAAAAAAAAACEAAAAAAAAAAAAAAAAABQAAAAAAAAAAAAAAAAAAAAAAYS50eHRQSwUGAAAAAAEAAQAzAAAAIwAAAAAA', 'base64');
    const notXlsx = await upload(tokens['admin']!, zip, 'x.xlsx');
    expect(notXlsx.status).toBe(400);
    expect(((await notXlsx.json()) as Json).error.code).toBe('VALIDATION');
    expect((await upload(tokens['admin']!, Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]), 'old.xls')).status).toBe(400);
    expect((await upload(tokens['admin']!, Buffer.alloc(0), 'empty.csv')).status).toBe(400);
  });

  it('keeps formulas unevaluated and skips a million empty rows', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('客户');
    sheet.addRow(['客户名称', '联系电话', '备注']);
    sheet.addRow(['公式测试有限公司', '13900139000', { formula: 'HYPERLINK("http://evil.example","x")', result: '点我' }]);
    sheet.addRow([{ formula: '1+1', result: 2 }, '', '']);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    const response = await upload(tokens['admin']!, xlsx, 'formulas.xlsx');
    const id = ((await response.json()) as Json).id;
    await until(tokens['admin']!, id, ['ready']);
    const rows = await allRows(tokens['admin']!, id);
    expect(rows[0]!.customer.notes).toBe('点我'); // the value Excel showed, not the formula
    expect(rows[1]!.customer.name).toBe('2');

    const csv = Buffer.from('客户名称,联系电话\n空行测试有限公司,13700137000\n' + ',\n'.repeat(1_000_000));
    const big = await upload(tokens['admin']!, csv, 'empty-rows.csv');
    const bigId = ((await big.json()) as Json).id;
    const job = await until(tokens['admin']!, bigId, ['ready', 'failed']);
    expect(job.status).toBe('ready');
    expect(job.counts.rows).toBe(1);
  });

  it('refuses oversized files and importers without the permission', async () => {
    const small = await startTestApp({ env: { IMPORT_MAX_BYTES: '1024' } });
    try {
      const admin = await small.login('admin');
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(Buffer.alloc(4096, 'a'))]), 'big.csv');
      const response = await small.request('/api/imports', { method: 'POST', token: admin, body: form });
      expect(response.status).toBe(413);
    } finally {
      await small.close();
    }
    expect((await upload(tokens['rep.east1']!, Buffer.from('客户名称\n甲公司\n'), 'a.csv')).status).toBe(403);
  });
});
