// The H5 app in Chromium against a real server on a test database: sign in, create a customer
// (with the duplicate warning), check in at a visit with location and photo, scope, and
// offline-safe logging. Screenshots of each step go to tests/e2e/artifacts/h5-flows/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { systemScope } from '../../server/src/core/auth/system-scope.ts';
import { hasChromium, chromiumPath, launchBrowser, phoneContext } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots } from './support.ts';

type Json = Record<string, any>;
// each e2e file keeps its pictures in a folder of its own: files run in parallel
const screenshot = screenshots('h5-flows');

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('H5 app in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let rep1: BrowserContext;
  let page: Page;
  let customerId = '';


  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    // a customer of another rep, for the duplicate warning
    const other = await t.login('rep.east2');
    const response = await t.request('/api/customers', {
      method: 'POST',
      token: other,
      json: { type: 'company', name: '广州新锐投资管理有限公司', industry: '金融', source: '官网', phones: ['15604448761'] },
    });
    expect(response.status).toBe(201);
    browser = await launchBrowser();
    rep1 = await phoneContext(browser, t.baseUrl);
    page = await rep1.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs in as rep.east1 from the dev-login picker and shows 今日', async () => {
    await page.goto('/');
    await page.locator('[data-test="login-rep.east1"]').click();
    await page.getByText('今日待跟进').waitFor();
    expect(await page.locator('.van-tabbar').innerText()).toContain('客户');
    await screenshot(page, 'home');
  });

  it('creates a customer and warns about an existing one as the name is typed', async () => {
    await page.goto('/#/customers/new');
    await page.locator('[data-test="field-name"] input').fill('新锐投资管理（广州）有限公司');
    const warning = page.locator('[data-test="duplicate-warning"]');
    await warning.waitFor();
    expect(await warning.innerText()).toContain('王芳');
    expect(await warning.innerText()).not.toContain('15604448761');
    await screenshot(page, 'duplicate-warning');

    await page.locator('[data-test="field-name"] input').fill('杭州云帆网络科技有限公司');
    await warning.waitFor({ state: 'detached' });
    await page.locator('[data-test="field-industry"]').click();
    await page.locator('.van-picker__confirm').click();
    await page.locator('[data-test="field-phone"] input').fill('138 0013 8000');
    await screenshot(page, 'customer-form');
    await page.locator('[data-test="save"]').click();
    await page.locator('[data-test="detail-header"]').waitFor();
    customerId = page.url().split('/customers/')[1]!.split(/[/?]/)[0]!;
    expect(await page.locator('[data-test="detail-header"]').innerText()).toContain('杭州云帆网络科技有限公司');
    await screenshot(page, 'customer-detail');
  });

  it('checks in at a visit with location and a photo, shown first on the timeline', async () => {
    await page.locator('[data-test="check-in"]').click();
    await page.locator('[data-test="location-fix"]').waitFor();
    expect(await page.locator('[data-test="location-fix"]').innerText()).toContain('31.23040');
    // a real photo-sized PNG: a screenshot of the page itself
    const png = await page.screenshot({ clip: { x: 0, y: 0, width: 375, height: 300 } });
    await page.locator('[data-test="photos"] input[type="file"]').setInputFiles({ name: 'store.png', mimeType: 'image/png', buffer: png });
    await page.locator('.van-uploader__preview').waitFor();
    await page.locator('[data-test="field-content"] textarea').fill('拜访采购负责人，演示产品');
    await screenshot(page, 'visit-form');
    await page.locator('[data-test="submit-follow-up"]').click();
    await page.locator('[data-test="event-followUp"]').first().waitFor();
    const first = await page.locator('.van-step').first().innerText();
    expect(first).toContain('拜访跟进');
    expect(first).toContain('拜访采购负责人');
    await screenshot(page, 'timeline-after-visit');

    const followUps = await t.inspect.followUps.find({ customerId }).lean();
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.location).toMatchObject({ lat: 31.2304, lng: 121.4737 });
    expect(followUps[0]!.photoIds).toHaveLength(1);
    const photo = await t.db.connection.db!.collection('files.files').findOne({ _id: followUps[0]!.photoIds[0] });
    expect(photo?.metadata?.contentType).toBe('image/jpeg'); // compressed and watermarked in the browser
  });

  it('opens the customer from a bot card in the Messages tab in one tap', async () => {
    const rep = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!;
    await t.app.services.cards.send(
      { id: `stale-e2e-${customerId}`, data: { kind: 'staleCustomers', customers: [{ id: customerId, name: '杭州云帆网络科技有限公司', idleDays: 8 }], total: 1 } },
      [rep._id.toHexString()],
    );
    await page.goto('/#/messages');
    const card = page.locator('[data-test="card-staleCustomers"]');
    await card.waitFor();
    expect(await card.innerText()).toContain('客户跟进提醒');
    await screenshot(page, 'messages');
    await card.locator('[data-test="card-button-snooze"]').click();
    await card.locator('[data-test="card-outcome"]').waitFor();
    expect(await card.locator('[data-test="card-outcome"]').innerText()).toBe('明天再提醒 · 李娜');
    await card.locator('[data-test="card-line"]').first().click();
    await page.locator('[data-test="detail-header"]').waitFor();
    expect(page.url()).toContain(`/customers/${customerId}`);
    await screenshot(page, 'card-opened-customer');
  });

  it('shows the stale-customer rule’s card, whose buttons work end to end', async () => {
    // the customer has had no follow-up for a week: move its history back
    const week = 7 * 86_400_000;
    await t.inspect.snoozes.deleteMany({}); // the card test before put it off for a day
    const customer = (await t.inspect.customers.findById(customerId).lean())!;
    await t.inspect.customers.updateOne({ _id: customerId }, { $set: { createdAt: new Date(customer.createdAt.getTime() - week), lastFollowUpAt: new Date(Date.now() - week) } });
    // no quiet hours for this run, whatever the time of day the suite runs at (the rules tests cover them)
    await t.app.services.rules.update(systemScope(), 'staleCustomers', { quietHours: { start: '00:00', end: '00:00', weekends: false } });
    expect((await t.app.services.rules.run('staleCustomers')).alerts).toBeGreaterThan(0);
    await page.goto('/#/messages');
    const card = page.locator('[data-test="card-staleCustomers"]').first();
    await card.waitFor();
    expect(await card.innerText()).toContain('杭州云帆网络科技有限公司');
    await screenshot(page, 'rule-card');
    await card.locator('[data-test="card-link-0"]').click(); // 记录跟进
    await page.locator('[data-test="field-content"] textarea').waitFor();
    expect(page.url()).toContain(`/customers/${customerId}/follow-up`);
    await page.goto('/#/messages');
    await page.locator('[data-test="card-staleCustomers"]').first().locator('[data-test="card-button-snooze"]').click();
    await page.locator('[data-test="card-staleCustomers"]').first().locator('[data-test="card-outcome"]').waitFor();
    expect(await page.locator('[data-test="card-staleCustomers"]').first().locator('[data-test="card-outcome"]').innerText()).toBe('明天再提醒 · 李娜');
    await t.inspect.customers.updateOne({ _id: customerId }, { $set: { lastFollowUpAt: new Date() } });
  });

  it('lets an admin tune the reminder rules and preview them', async () => {
    const admin = await phoneContext(browser, t.baseUrl);
    const adminPage = await admin.newPage();
    await adminPage.goto('/');
    await adminPage.locator('[data-test="login-admin"]').click();
    await adminPage.getByText('今日待跟进').waitFor();
    await adminPage.goto('/#/me');
    await adminPage.locator('[data-test="settings"]').click();
    await adminPage.locator('[data-test="settings-rules"]').click(); // 系统设置 → 公海与提醒规则
    const stale = adminPage.locator('[data-test="rule-staleCustomers"]');
    await stale.waitFor();
    await stale.getByText('预览').click();
    await stale.getByText(/现在运行会发 \d+ 张卡片/).waitFor();
    await screenshot(adminPage, 'rules-settings');
    await admin.close();
  });

  it('does not show the customer to rep.east2', async () => {
    const rep2 = await phoneContext(browser, t.baseUrl);
    const other = await rep2.newPage();
    await other.goto('/');
    await other.locator('[data-test="login-rep.east2"]').click();
    await other.getByText('今日待跟进').waitFor();
    await other.goto('/#/customers');
    await other.locator('.van-list__finished-text').waitFor();
    const list = await other.locator('.van-list').innerText();
    expect(list).toContain('广州新锐投资管理有限公司');
    expect(list).not.toContain('杭州云帆网络科技有限公司');
    await screenshot(other, 'rep2-customers');
    const direct = await other.request.get(`/api/customers/${customerId}`);
    expect(direct.status()).toBe(404);
    await rep2.close();
  });

  it('keeps follow-ups logged offline across a reload and sends each exactly once', async () => {
    await page.goto(`/#/customers/${customerId}/follow-up`);
    await page.locator('[data-test="field-content"] textarea').waitFor();
    await rep1.setOffline(true);
    const logOffline = async (content: string) => {
      await page.goto(`/#/customers/${customerId}/follow-up`); // same document: no network needed
      await page.locator('[data-test="field-content"] textarea').fill(content);
      await page.locator('[data-test="submit-follow-up"]').click();
      await page.getByText('网络不可用，已存入待同步').waitFor();
    };
    await logOffline('地下车库电话回访一');
    await logOffline('地下车库电话回访二');
    await screenshot(page, 'offline-queued');

    // the signal comes back but the server is still out of reach; the page is closed and opened again
    await page.goto('/#/queue');
    await page.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await rep1.setOffline(false);
    await page.reload();
    await page.locator('[data-test="queued-item"]').nth(1).waitFor();
    await screenshot(page, 'queue-after-reload');
    await page.waitForTimeout(500);
    expect(await t.inspect.followUps.countDocuments({ customerId, content: /地下车库/ })).toBe(0);
    await page.unroute('**/api/**');

    await page.reload(); // the app sends the queue when it starts
    await expect.poll(() => t.inspect.followUps.countDocuments({ customerId, content: /地下车库/ }), { timeout: 15_000 }).toBe(2);
    await page.goto(`/#/customers/${customerId}`);
    await page.locator('[data-test="event-followUp"]').nth(2).waitFor();
    const timeline = await page.locator('.van-steps').innerText();
    expect(timeline.match(/地下车库电话回访一/g)).toHaveLength(1);
    expect(timeline.match(/地下车库电话回访二/g)).toHaveLength(1);
    await screenshot(page, 'offline-synced');
    // a later start sends nothing again
    await page.reload();
    await page.waitForTimeout(500);
    expect(await t.inspect.followUps.countDocuments({ customerId, content: /地下车库/ })).toBe(2);
  });
});

export type { Json };
