// A finished import keeps its rows (copies of the file's lines, encrypted) only for
// IMPORT_ROWS_RETENTION_DAYS: then the daily purge deletes them. The import stays in the history
// with its counts, its customers stay, and its result file answers 410 GONE with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
const day = 86_400_000;
const clock = new ManualClock('2026-03-02T09:00:00+08:00');
let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { IMPORT_ROWS_RETENTION_DAYS: '30' } });
});
afterAll(() => t.close());

async function importFile(name: string): Promise<string> {
  admin = await t.login('admin'); // a session of today: the clock moves by weeks
  const csv = ['客户名称,客户类型,联系电话', `${name}科技有限公司,公司,1390000${String(Date.now()).slice(-4)}`, `${name}贸易有限公司,公司,`].join('\n');
  const form = new FormData();
  form.append('file', new Blob([new TextEncoder().encode(csv)]), `${name}.csv`);
  const created = await t.request('/api/imports', { method: 'POST', token: admin, body: form });
  expect(created.status).toBe(202);
  const id = ((await created.json()) as Json).id as string;
  await until(id, 'ready');
  expect((await t.request(`/api/imports/${id}/commit`, { method: 'POST', token: admin })).status).toBe(200);
  await until(id, 'done');
  return id;
}

/** The import's status once it is reached (the worker runs after each request). */
async function until(id: string, status: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    await t.app.services.imports.work();
    const job = (await (await t.request(`/api/imports/${id}`, { token: admin })).json()) as Json;
    if (job.status === status) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`import ${id} never reached ${status}`);
}

const rowsOf = (id: string) => t.inspect.importRows.countDocuments({ importId: id });

describe('the retention of import rows', () => {
  it("deletes a finished import's rows after the retention period, and keeps the import and its customers", async () => {
    const old = await importFile('保留期旧');
    clock.advance(20 * day);
    const recent = await importFile('保留期新');
    clock.advance(11 * day); // the first is 31 days old, the second 11
    const customers = await t.inspect.customers.countDocuments({ deletedAt: null });
    expect([await rowsOf(old), await rowsOf(recent)]).toEqual([2, 2]);

    expect(await t.app.services.imports.purgeRows()).toBe(1);
    expect([await rowsOf(old), await rowsOf(recent)]).toEqual([0, 2]);
    expect(await t.inspect.customers.countDocuments({ deletedAt: null })).toBe(customers);
    admin = await t.login('admin');
    const job = (await (await t.request(`/api/imports/${old}`, { token: admin })).json()) as Json;
    expect(job).toMatchObject({ status: 'done', counts: { rows: 2, created: 2 } });
    expect(job.rowsPurgedAt).not.toBeNull();

    const gone = await t.request(`/api/imports/${old}/result.xlsx`, { token: admin });
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as Json).error).toMatchObject({ code: 'GONE', message: '导入明细已超过保留期限（30 天）并已清除，结果文件无法再下载' });
    expect((await t.request(`/api/imports/${recent}/result.xlsx`, { token: admin })).status).toBe(200);

    // the next day's run finds nothing new; the second goes once its own 30 days are over
    expect(await t.app.services.imports.purgeRows()).toBe(0);
    clock.advance(20 * day);
    expect(await t.app.services.imports.purgeRows()).toBe(1);
    expect(await rowsOf(recent)).toBe(0);
  });
});
