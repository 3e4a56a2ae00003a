// 重复客户 and 数据质量 in Chromium. The setup: rep.east1 (李娜, in 张伟's team) has two customers the
// create check lets through, 杭州恒通网络科技有限公司 and 恒通科技, with the same contact person 王建国
// and the same street 文三路1号 in 杭州; the short one came from 展会, has level A and a follow-up.
// The admin runs the scan through the API. manager.east (张伟) opens 我的 → 重复客户, sees the pair
// with the server's reasons, opens 合并, takes the source from the other side, merges, sees what
// moved, lands on the kept customer with 合并记录 → 撤销合并, undoes it and finds both customers
// as they were; the customer page's menu reaches the same dialog. Then, after the weekly cleaning,
// the data-quality report shows the completeness figures the server computes and the trend.
// Screenshots go to tests/e2e/artifacts/duplicates/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('duplicates');
const hangzhou = { province: '浙江省', city: '杭州市' };

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('duplicate review, merge and undo in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let manager: Page;
  const tokens = { admin: '', manager: '', rep: '' };
  const ids = { long: '', short: '' };

  async function call(method: string, path: string, token: string, json?: unknown): Promise<{ status: number; body: Json }> {
    const response = await t.request(path, { method, token, ...(json !== undefined ? { json } : {}) });
    return { status: response.status, body: (await response.json().catch(() => null)) as Json };
  }

  async function customer(json: Json): Promise<string> {
    const created = await call('POST', '/api/customers', tokens.rep, { type: 'company', industry: '互联网', address: '文三路1号', region: hangzhou, ...json });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const contact = await call('POST', `/api/customers/${created.body.id}/contacts`, tokens.rep, { name: '王建国' });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    return created.body.id as string;
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    [tokens.admin, tokens.manager, tokens.rep] = await Promise.all([t.login('admin'), t.login('manager.east'), t.login('rep.east1')]);
    ids.long = await customer({ name: '杭州恒通网络科技有限公司', source: '转介绍' });
    ids.short = await customer({ name: '恒通科技', source: '展会', level: 'A' });
    const followUp = await call('POST', `/api/customers/${ids.short}/follow-ups`, tokens.rep, { method: 'call', content: '约了下周演示' });
    expect(followUp.status, JSON.stringify(followUp.body)).toBe(201);
    const scan = await call('POST', '/api/duplicates/scan', tokens.admin);
    expect(scan.status, JSON.stringify(scan.body)).toBe(200);
    expect(scan.body.open).toBeGreaterThanOrEqual(1);
    browser = await launchBrowser();
    ({ context: phone, page: manager } = await signIn(browser, t.baseUrl, 'manager.east'));
  }, 180_000);

  afterAll(async () => {
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('lists the pair with its reasons in 我的 → 重复客户', async () => {
    await manager.goto('/#/me');
    await manager.locator('[data-test="duplicates"]').click();
    await manager.waitForURL(/#\/duplicates$/);
    const pair = manager.locator('[data-test^="pair-"]', { has: manager.locator(`[data-test="pair-customer-${ids.short}"]`) }).first();
    await pair.waitFor();
    expect(await pair.locator(`[data-test="pair-customer-${ids.long}"]`).count()).toBe(1);
    const reasons = await pair.locator('[data-test="pair-reasons"]').innerText();
    expect(reasons).toContain('同一联系人 王建国');
    expect(reasons).toContain('名称为简称');
    expect(await pair.innerText()).toContain('负责人 李娜');
    // only admins scan by hand
    expect(await manager.locator('[data-test="duplicates-scan"]').count()).toBe(0);
    await screenshot(manager, 'queue');
  });

  it('merges the pair, taking one field from the other side, and shows what moved', async () => {
    await manager.locator('[data-test="pair-merge"]').first().click();
    await manager.waitForURL(new RegExp(`#/customers/${ids.long}/merge\\?with=${ids.short}$`));
    await manager.locator('[data-test="merge-fields"]').waitFor();
    // the older customer is kept; its empty level takes the other one's by default
    expect(await manager.locator('[data-test="merge-survivor"]').innerText()).toContain('杭州恒通网络科技有限公司');
    expect(await manager.locator('[data-test="choose-level-merged"]').getAttribute('aria-checked')).toBe('true');
    expect(await manager.locator('[data-test="choose-source-survivor"]').getAttribute('aria-checked')).toBe('true');
    expect(await manager.locator('[data-test="merge-field-address"]').innerText()).toContain('两边相同');
    expect(await manager.locator('[data-test="merge-combined"]').innerText()).toContain('电话、标签和协作人');
    // swapping twice comes back to where it was
    await manager.locator('[data-test="merge-swap"]').click();
    expect(await manager.locator('[data-test="merge-survivor"]').innerText()).toContain('恒通科技');
    expect(await manager.locator('[data-test="choose-source-survivor"]').getAttribute('aria-checked')).toBe('false');
    await manager.locator('[data-test="merge-swap"]').click();
    expect(await manager.locator('[data-test="merge-survivor"]').innerText()).toContain('杭州恒通网络科技有限公司');

    await manager.locator('[data-test="choose-source-merged"]').click();
    expect(await manager.locator('[data-test="choose-source-merged"]').getAttribute('aria-checked')).toBe('true');
    await manager.locator('[data-test="merge-field-source"]').scrollIntoViewIfNeeded();
    await screenshot(manager, 'merge-dialog');

    await manager.locator('[data-test="merge-submit"]').click();
    const confirm = manager.locator('.van-dialog', { hasText: '合并到' });
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain('把「恒通科技」合并到「杭州恒通网络科技有限公司」');
    await confirm.locator('.van-dialog__confirm').click();
    const result = manager.locator('[data-test="merge-result"]');
    await result.waitFor();
    expect(await result.locator('[data-test="moved-contacts"]').innerText()).toMatch(/联系人\s*1/);
    expect(await result.locator('[data-test="moved-followUps"]').innerText()).toMatch(/跟进\s*1/);
    await screenshot(manager, 'merged');

    const kept = (await call('GET', `/api/customers/${ids.long}`, tokens.manager)).body;
    expect(kept).toMatchObject({ source: '展会', level: 'A', name: '杭州恒通网络科技有限公司' });
    expect((await call('GET', `/api/customers/${ids.short}`, tokens.manager)).status).toBe(404);
  });

  it('lands on the kept customer, whose 合并记录 offers 撤销合并', async () => {
    await manager.locator('.van-dialog', { has: manager.locator('[data-test="merge-result"]') }).locator('.van-dialog__confirm').click();
    await manager.waitForURL(new RegExp(`#/customers/${ids.long}$`));
    await expect.poll(() => manager.locator('[data-test="detail-header"]').innerText()).toContain('杭州恒通网络科技有限公司');
    const merges = manager.locator('[data-test="customer-merges"]');
    await merges.waitFor();
    expect(await merges.innerText()).toContain('并入「恒通科技」');
    expect(await merges.locator('[data-test="merge-undo"]').innerText()).toContain('撤销合并');
    await merges.scrollIntoViewIfNeeded();
    await screenshot(manager, 'merge-record');
  });

  it('undoes the merge and shows both customers again', async () => {
    await manager.locator('[data-test="merge-undo"]').click();
    const confirm = manager.locator('.van-dialog', { hasText: '撤销与「恒通科技」的合并' });
    await confirm.waitFor();
    await confirm.locator('.van-dialog__confirm').click();
    const merges = manager.locator('[data-test="customer-merges"]');
    await expect.poll(() => merges.locator('[data-test="merge-status"]').count(), { timeout: 15_000 }).toBe(1);
    expect(await merges.locator('[data-test="merge-status"]').innerText()).toContain('已撤销');
    expect(await merges.locator('[data-test="merge-undo"]').count()).toBe(0);
    await merges.scrollIntoViewIfNeeded();
    await manager.locator('.van-toast').waitFor({ state: 'hidden' });
    await screenshot(manager, 'undone');

    // both customers are back, each with its own values and records
    expect((await call('GET', `/api/customers/${ids.long}`, tokens.manager)).body).toMatchObject({ source: '转介绍', level: null });
    await manager.goto(`/#/customers/${ids.short}`);
    await expect.poll(() => manager.locator('[data-test="detail-header"]').innerText()).toContain('恒通科技');
    await manager.locator('[data-test="event-followUp"]').waitFor();
    await screenshot(manager, 'both-again');
  });

  it('offers 合并重复客户… from the customer page, picking the other customer', async () => {
    await manager.goto(`/#/customers/${ids.long}`);
    await manager.locator('[data-test="detail-menu"]').click();
    await manager.locator('.van-action-sheet__item', { hasText: '合并重复客户' }).click();
    const picker = manager.locator('[data-test="customer-picker"]');
    await picker.waitFor();
    await picker.locator('input').fill('恒通科技');
    await picker.locator('input').press('Enter');
    await picker.locator('.van-cell', { hasText: /^恒通科技$/ }).click();
    await manager.waitForURL(new RegExp(`#/customers/${ids.long}/merge\\?with=${ids.short}$`));
    expect(await manager.locator('[data-test="merge-merged"]').innerText()).toContain('恒通科技');
  });

  it('shows the data-quality report with the completeness figures', async () => {
    // the weekly cleaning, run now, records this week's point of the trend
    expect((await call('POST', '/api/quality/clean', tokens.admin)).status).toBe(200);
    const report = (await call('GET', '/api/reports/quality', tokens.manager)).body;
    expect(report.trend.length).toBeGreaterThan(0);
    await manager.goto('/#/reports?section=quality');
    const completeness = manager.locator('[data-test="quality-completeness"]');
    await completeness.waitFor();
    expect(await manager.locator('[data-test="quality-total"]').innerText()).toContain(`${report.total.customers} 个客户`);
    const phoneShare = report.total.completeness.phone as number | null;
    const levelShare = report.total.completeness.level as number | null;
    const asText = (share: number | null) => (share === null ? '—' : `${Math.round(share * 100)}%`);
    expect(await completeness.locator('[data-test="quality-phone"]').innerText()).toContain(asText(phoneShare));
    expect(await completeness.locator('[data-test="quality-level"]').innerText()).toContain(asText(levelShare));
    expect(await completeness.locator('[data-test="quality-contact"]').innerText()).toContain('联系人');
    expect(await manager.locator('[data-test="quality-validity"]').innerText()).toContain('疑似重复率');
    await manager.locator('[data-test="quality-trend"] canvas').waitFor();
    const owner = manager.locator(`[data-test="quality-owner-${report.byOwner[0].owner.id}"]`);
    await owner.waitFor();
    await screenshot(manager, 'quality');
    await owner.scrollIntoViewIfNeeded();
    await screenshot(manager, 'quality-owners');
  });
});
