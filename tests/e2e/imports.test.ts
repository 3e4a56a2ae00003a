// 导入客户 in Chromium. The setup: rep.east1 (李娜) already has 海纳物流有限责任公司 with the phone the
// sample list gives it. manager.east (张伟) opens 我的 → 导入客户, uploads the dirty sample workbook
// (customers.xlsx), and sees the dry run: 554 rows, nearly all invalid at first because the owners
// are nicknames (张经理, 赵专员…). He maps the nicknames to his team in the owner map, the file is
// checked again, and only the truly broken rows stay invalid; line 17 lists its reasons per field
// (amount, date, email, owner 无此人, phone). The duplicate tab shows 李娜's customer as an existing
// match with its owner and reasons. He confirms the import, the progress bar runs to the end, and the
// result counts the created customers, matching the server's count; the result file downloads as an
// .xlsx. A rep has no 导入客户 entry. Screenshots go to tests/e2e/artifacts/imports/.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { fixtureDir } from '../helpers/fixtures.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('imports');

/** the sample's owner nicknames → the demo users of 华东大区 they stand for */
const owners: Record<string, string> = { 张经理: '张伟', 刘经理: '张伟', 赵专员: '李娜', 陈专员: '李娜', 王专员: '王芳', 李专员: '刘洋' };

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('customer import in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let manager: Page;
  let repPhone: BrowserContext | undefined;
  const tokens = { rep1: '', manager: '' };
  let existingId = '';
  let importId = '';

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    [tokens.rep1, tokens.manager] = await Promise.all([t.login('rep.east1'), t.login('manager.east')]);
    const created = await t.request('/api/customers', {
      method: 'POST',
      token: tokens.rep1,
      json: { type: 'company', name: '海纳物流有限责任公司', industry: '物流', source: '官网', phones: ['021-34190383'], region: { province: '上海市', city: '上海市', district: '闵行区' } },
    });
    const body = (await created.json()) as Json;
    expect(created.status, JSON.stringify(body)).toBe(201);
    existingId = body.id;
    browser = await launchBrowser();
    ({ context: phone, page: manager } = await signIn(browser, t.baseUrl, 'manager.east'));
  }, 180_000);

  afterAll(async () => {
    await repPhone?.close();
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('uploads the sample workbook from 我的 → 导入客户 and shows the dry run', async () => {
    await manager.goto('/#/me');
    await manager.locator('[data-test="imports"]').click();
    await manager.waitForURL(/#\/imports$/);
    await manager.locator('[data-test="import-file"] input[type="file"]').setInputFiles(`${fixtureDir}customers.xlsx`);
    await expect.poll(() => manager.locator('[data-test="import-file-name"]').innerText()).toContain('customers.xlsx');
    expect(await manager.locator('[data-test="import-mapping"]').innerText()).toContain('按表头自动识别');
    await screenshot(manager, 'file-chosen');

    await manager.locator('[data-test="import-upload"]').click();
    await manager.waitForURL(/#\/imports\/[0-9a-f]{24}$/);
    importId = manager.url().split('/').pop()!;
    await manager.locator('[data-test="summary-rows"]').waitFor({ timeout: 60_000 });
    expect(await manager.locator('[data-test="summary-rows"]').innerText()).toContain('554');
    expect(await manager.locator('[data-test="import-header"]').innerText()).toContain('待确认');
    // the nicknames match nobody: almost every row waits for its owner
    const invalid = Number((await manager.locator('[data-test="summary-invalid"] strong').innerText()).trim());
    expect(invalid).toBeGreaterThan(500);
    // the headers were recognised (客户名称 → 客户名称, 负责人 → 负责人); the editor opens on a tap
    expect(await manager.locator('[data-test="columns-toggle"]').innerText()).toContain('已对应 13 / 13 列');
    await manager.locator('[data-test="columns-toggle"]').click();
    expect(await manager.locator('[data-test="column-0"]').innerText()).toContain('客户名称');
    expect(await manager.locator('[data-test="column-9"]').innerText()).toContain('负责人');
    await screenshot(manager, 'dry-run');
  });

  it('maps the owner nicknames to the team and checks the file again', async () => {
    const section = manager.locator('[data-test="import-owners"]');
    for (const nickname of Object.keys(owners)) await section.locator(`[data-test="owner-${nickname}"]`).waitFor();
    // a name nobody answers to stays unmapped: its row stays invalid
    await section.locator('[data-test="owner-无此人"]').waitFor();
    for (const [nickname, user] of Object.entries(owners)) {
      await section.locator(`[data-test="owner-${nickname}"]`).click();
      const sheet = manager.locator('.van-action-sheet:visible');
      await sheet.getByText(nickname).waitFor(); // the sheet names the owner being mapped
      await sheet.locator('.van-action-sheet__item', { hasText: user }).click();
      await expect.poll(() => section.locator(`[data-test="owner-${nickname}"]`).innerText()).toContain(user);
    }
    await screenshot(manager, 'owners-mapped');
    await manager.locator('[data-test="apply-owners"]').click();
    // checked again: the owners are known now
    await expect
      .poll(async () => ((await manager.locator('[data-test="summary-invalid"] strong').count()) ? Number(await manager.locator('[data-test="summary-invalid"] strong').innerText()) : -1), { timeout: 60_000 })
      .toBeLessThan(10);
    expect(await manager.locator('[data-test="summary-rows"]').innerText()).toContain('554');
    const job = (await (await t.request(`/api/imports/${importId}`, { token: tokens.manager })).json()) as Json;
    expect(job.ownerMap).toMatchObject({ 张经理: expect.any(String), 李专员: expect.any(String) });
    expect(Number(await manager.locator('[data-test="summary-invalid"] strong').innerText())).toBe(job.counts.invalid);
    expect(Number(await manager.locator('[data-test="summary-valid"] strong').innerText())).toBe(job.counts.valid);
  });

  it('lists an invalid row with a reason per field', async () => {
    await manager.locator('.van-tab', { hasText: '无效' }).click();
    const row = manager.locator('[data-test="rows-invalid"] [data-test="row-line-17"]');
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('第 17 行');
    expect(text).toContain('无效电话有限公司');
    expect(text).toContain('电话：不是有效的电话号码（1380013）');
    expect(text).toContain('邮箱：不是有效的邮箱地址（not-an-email）');
    expect(text).toContain('创建时间：不是有效的日期');
    expect(text).toContain('年采购额：不是有效的金额');
    expect(text).toContain('负责人：找不到该负责人（无此人）');
    await row.scrollIntoViewIfNeeded();
    await screenshot(manager, 'invalid-row');
  });

  it('shows duplicate groups with the existing customer, its owner and the reasons', async () => {
    await manager.locator('.van-tab', { hasText: '重复' }).click();
    const groups = manager.locator('[data-test="duplicate-groups"]');
    const existing = manager.locator('[data-test="group-match"]', { hasText: '海纳物流有限责任公司' });
    const match = groups.locator('[data-test="group-match"]', { hasText: '海纳物流有限责任公司' }).first();
    await match.waitFor({ timeout: 30_000 });
    const text = await match.innerText();
    expect(text).toContain('负责人 李娜');
    expect(text).toContain('名称相同');
    expect(text).toMatch(/同一座机 021\*{4}0383/); // masked, as the server masks its own explanations
    // the dry run's choice: merge into the customer the manager can see
    const group = groups.locator('.group', { has: existing }).first();
    expect(await group.locator('[data-test="decision-merge"]').getAttribute('aria-checked')).toBe('true');
    expect(await groups.locator('.group').count()).toBeGreaterThan(5);
    await group.locator('.decision').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await screenshot(manager, 'duplicates');
  });

  it('imports after confirming, with a progress bar, and shows what was created', async () => {
    await manager.locator('[data-test="import-commit"]').click();
    const dialog = manager.locator('.van-dialog');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('行无效数据不会导入');
    await dialog.locator('.van-dialog__confirm').click();
    // the progress screen shows while the rows go in, unless the server is already through
    await manager.locator('[data-test="import-progress"], [data-test="import-result"]').first().waitFor();
    await dialog.waitFor({ state: 'hidden' });
    if (await manager.locator('[data-test="import-progress"]').count()) await screenshot(manager, 'progress');
    await manager.locator('[data-test="import-result"]').waitFor({ timeout: 120_000 });
    const job = (await (await t.request(`/api/imports/${importId}`, { token: tokens.manager })).json()) as Json;
    expect(job.status).toBe('done');
    expect(job.counts.created).toBeGreaterThan(100);
    expect(Number(await manager.locator('[data-test="result-created"] strong').innerText())).toBe(job.counts.created);
    expect(Number(await manager.locator('[data-test="result-merged"] strong').innerText())).toBe(job.counts.merged);
    expect(Number(await manager.locator('[data-test="result-invalid"] strong').innerText())).toBe(job.counts.invalid);
    expect(job.counts.created + job.counts.merged + job.counts.skipped + job.counts.invalid).toBe(554);
    // the row matching 李娜's customer went into it
    const rows = (await (await t.request(`/api/imports/${importId}/rows?filter=all&limit=1`, { token: tokens.manager })).json()) as Json;
    expect(rows.items[0]).toMatchObject({ status: 'merged', customerId: existingId });
    await screenshot(manager, 'done');
  });

  it('downloads the result file with the session', async () => {
    const [download] = await Promise.all([manager.waitForEvent('download'), manager.locator('[data-test="import-download"]').click()]);
    expect(download.suggestedFilename()).toBe('导入结果.xlsx');
    const file = readFileSync((await download.path())!);
    expect(file.subarray(0, 2).toString()).toBe('PK'); // a zip: an .xlsx workbook
  });

  it('says the result file is gone once the retention period deleted the rows', async () => {
    // committed longer ago than IMPORT_ROWS_RETENTION_DAYS (90 by default), then the daily purge
    await t.inspect.imports.updateOne({ _id: importId }, { $set: { committedAt: new Date(Date.now() - 91 * 86_400_000) } });
    expect(await t.app.services.imports.purgeRows()).toBe(1);
    await manager.goto('about:blank');
    await manager.goto(`${t.baseUrl}/#/imports/${importId}`);
    const purged = manager.locator('[data-test="import-rows-purged"]');
    await purged.waitFor();
    expect(await purged.innerText()).toContain('已超过保留期限');
    expect(await manager.locator('[data-test="import-download"]').count()).toBe(0);
    expect(Number(await manager.locator('[data-test="result-created"] strong').innerText())).toBeGreaterThan(100);
  });

  it('lists the import among the recent ones, and gives a rep no entry', async () => {
    await manager.goto('/#/imports');
    const recent = manager.locator(`[data-test="recent-${importId}"]`);
    await recent.waitFor();
    expect(await recent.innerText()).toContain('customers.xlsx');
    expect(await recent.innerText()).toContain('已完成');

    let rep: Page;
    ({ context: repPhone, page: rep } = await signIn(browser, t.baseUrl, 'rep.east1'));
    await rep.goto('/#/me');
    await rep.locator('[data-test="logout"]').waitFor();
    expect(await rep.locator('[data-test="imports"]').count()).toBe(0);
  });
});
