// Service tickets, tags, bulk tagging, segments and behaviour in Chromium, on phones. rep.east1 opens
// a ticket (故障报修, 紧急) from the customer's page; service1, on a phone of their own, finds it
// under 待分派 on their 工单 tab, takes it (接单), starts it, adds a note and resolves it with a
// resolution; the rep gets the 工单已解决 card in 消息, rates it five stars on the ticket page, and
// the handling log shows every step in order. The rep tags the customer 战略客户 then 老客户 (one
// group, single choice: the first is replaced) and 价格敏感, and sees who added it; tags three
// customers at once from the filtered list; saves the filter as a segment and opens it again; and
// sees two page views from the company's site (tied by a campaign link made on the page) in 行为.
// Screenshots go to tests/e2e/artifacts/service/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser, phoneContext } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('service');
const customerName = '无锡恒通精密机械有限公司';
const bulkNames = ['批量E2E华东仪表厂', '批量E2E江南纺织公司', '批量E2E太湖环保科技'];
const hour = 3_600_000;

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('service tickets, tags, segments and behaviour in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let repPhone: BrowserContext;
  let servicePhone: BrowserContext;
  let rep: Page;
  let service: Page;
  let repToken = '';
  let adminToken = '';
  let customerId = '';
  let ticketId = '';
  let ticketNumber = '';
  const bulkIds: string[] = [];

  const idFrom = (url: string, path: string) => url.split(`/${path}/`)[1]!.split(/[/?]/)[0]!;
  const toast = (page: Page, text: string) => page.locator('.van-toast').filter({ hasText: text });
  const dialog = (page: Page, test: string) => page.locator('.van-dialog').filter({ has: page.locator(`[data-test="${test}"]`) });

  /** A picture of the page once no toast covers it (one stays two seconds) and no sheet is still sliding. */
  async function shot(page: Page, name: string) {
    await page.waitForFunction(() => [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'));
    await page.waitForFunction(() => !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]'));
    return screenshot(page, name);
  }

  async function createCustomer(name: string): Promise<string> {
    const response = await t.request('/api/customers', { method: 'POST', token: repToken, json: { type: 'company', name, industry: '制造业', source: '官网' } });
    expect(response.status, name).toBe(201);
    return ((await response.json()) as Json).id;
  }

  async function openCustomer(page: Page) {
    await page.goto(`/#/customers/${customerId}`);
    await page.reload(); // the page as the server has it now
    await page.locator('[data-test="detail-header"]').waitFor();
  }

  async function ticketStatus(page: Page, status: string) {
    await page.locator(`[data-test="ticket-header"] [data-test="status-${status}"]`).waitFor();
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    repToken = await t.login('rep.east1');
    adminToken = await t.login('admin');
    customerId = await createCustomer(customerName);
    for (const name of bulkNames) bulkIds.push(await createCustomer(name));

    browser = await launchBrowser();
    ({ context: repPhone, page: rep } = await signIn(browser, t.baseUrl, 'rep.east1'));
    // service1 signs in on a phone of their own: their first screen is the ticket list
    servicePhone = await phoneContext(browser, t.baseUrl);
    service = await servicePhone.newPage();
    await service.goto('/');
    await service.locator('[data-test="login-service1"]').click();
    await service.locator('.van-tab').filter({ hasText: '待分派' }).waitFor();
  }, 180_000);

  afterAll(async () => {
    await repPhone?.close();
    await servicePhone?.close();
    await browser?.close();
    await t?.close();
  });

  it('opens a 紧急 故障报修 ticket from the customer page', async () => {
    await openCustomer(rep);
    await rep.locator('[data-test="customer-tickets"]').waitFor();
    expect(await rep.locator('[data-test="customer-tickets"]').innerText()).toContain('还没有工单');
    await rep.locator('[data-test="new-ticket"]').click();
    await rep.locator('[data-test="field-category"]').waitFor();
    expect(await rep.locator('[data-test="ticket-customer"]').innerText()).toContain(customerName);

    await rep.locator('[data-test="field-category"]').click();
    const picker = rep.locator('[data-test="ticket-picker"]');
    await picker.waitFor();
    await picker.locator('.van-picker-column__item').filter({ hasText: '故障报修' }).click();
    await picker.locator('.van-picker__confirm').click();
    await expect.poll(() => rep.locator('[data-test="field-category"] input').inputValue()).toBe('故障报修');
    await rep.locator('[data-test="priority-urgent"]').click();
    await rep.locator('[data-test="field-description"] textarea').fill('3 号车床主轴异响，停机待修');
    await picker.waitFor({ state: 'hidden' });
    await shot(rep, 'ticket-form');
    const before = Date.now();
    await rep.locator('[data-test="save-ticket"]').click();

    await rep.waitForURL(/#\/tickets\/[0-9a-f]{24}$/);
    await rep.locator('[data-test="ticket-header"]').waitFor();
    ticketId = idFrom(rep.url(), 'tickets');
    const header = await rep.locator('[data-test="ticket-header"]').innerText();
    for (const part of ['紧急', '待分派', '故障报修']) expect(header).toContain(part);
    expect(await rep.locator('[data-test="ticket-assignee"]').innerText()).toContain('未分派');
    expect(await rep.locator('[data-test="ticket-description"]').innerText()).toContain('3 号车床主轴异响');
    // no buttons to work it for a rep: only service staff and their managers do
    expect(await rep.locator('[data-test="ticket-actions"]').count()).toBe(0);
    await shot(rep, 'ticket-opened');

    const stored = (await t.inspect.tickets.findById(ticketId).lean())!;
    ticketNumber = stored.number;
    expect(stored).toMatchObject({ category: '故障报修', priority: 'urgent', status: 'new', assigneeId: null });
    expect(stored.dueAt.getTime() - before).toBeGreaterThan(4 * hour - 60_000); // urgent: four hours
    expect(stored.dueAt.getTime() - before).toBeLessThan(4 * hour + 60_000);
    expect(await rep.locator('[data-test="ticket-due"]').innerText()).not.toContain('已超时');

    await openCustomer(rep);
    const listed = rep.locator('[data-test="customer-tickets"]');
    await listed.locator(`[data-test="ticket-${ticketId}"]`).waitFor();
    expect(await listed.innerText()).toMatch(new RegExp(`${ticketNumber}[\\s\\S]*紧急[\\s\\S]*待分派[\\s\\S]*故障报修`));
  });

  it('is taken, started, noted and resolved by service1 from 待分派', async () => {
    expect(await service.locator('[data-test="tab-tickets"]').count()).toBe(1); // 工单 in service1's tab bar
    expect(await service.locator('.van-tabbar').innerText()).not.toContain('商机');
    await service.locator('.van-tab').filter({ hasText: '待分派' }).click();
    const row = service.locator(`[data-test="ticket-${ticketId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    for (const part of [ticketNumber, customerName, '故障报修', '紧急', '待分派', 'SLA']) expect(text).toContain(part);
    await shot(service, 'service-queue');

    await row.click();
    await service.locator('[data-test="take-ticket"]').click();
    await toast(service, '已接单').waitFor();
    await ticketStatus(service, 'assigned');
    expect(await service.locator('[data-test="ticket-assignee"]').innerText()).toContain('周强');

    await service.locator('[data-test="start-ticket"]').click();
    await ticketStatus(service, 'in_progress');

    await service.locator('[data-test="note-ticket"]').click();
    const note = dialog(service, 'note-dialog');
    await note.waitFor();
    await note.locator('textarea').fill('已电话联系设备科，明早上门检查主轴轴承');
    await note.locator('.van-dialog__confirm').click();
    await note.waitFor({ state: 'hidden' });
    await service.locator('[data-test="ticket-log"]').filter({ hasText: '明早上门检查主轴轴承' }).waitFor();

    await service.locator('[data-test="resolve-ticket"]').click();
    const resolve = dialog(service, 'resolve-dialog');
    await resolve.waitFor();
    await resolve.locator('.van-dialog__confirm').click(); // no resolution: the dialog stays and says so
    await resolve.locator('.van-field__error-message').waitFor();
    expect(await resolve.locator('.van-field__error-message').innerText()).toBe('请填写处理结果');
    await resolve.locator('textarea').fill('更换主轴轴承并重新校准，试运行正常');
    await shot(service, 'resolve-dialog');
    await resolve.locator('.van-dialog__confirm').click();
    await resolve.waitFor({ state: 'hidden' });
    await ticketStatus(service, 'resolved');
    expect(await service.locator('[data-test="ticket-resolution"]').innerText()).toContain('更换主轴轴承并重新校准');
    await shot(service, 'ticket-resolved');

    const stored = (await t.inspect.tickets.findById(ticketId).lean())!;
    expect(stored).toMatchObject({ status: 'resolved', resolution: '更换主轴轴承并重新校准，试运行正常' });
    expect(stored.log.map((l) => l.action)).toEqual(['opened', 'assigned', 'started', 'note', 'resolved']);
  });

  it('tells the rep in 消息, who rates it five stars on the ticket page; the log shows every step in order', async () => {
    await rep.goto('/#/messages');
    await rep.reload();
    const card = rep.locator('[data-test="card-ticketUpdate"]').filter({ hasText: ticketNumber });
    await card.waitFor();
    expect(await card.innerText()).toMatch(/客户工单已解决[\s\S]*无锡恒通精密机械有限公司[\s\S]*故障报修 · 紧急/);
    await shot(rep, 'resolved-card');
    await card.locator('[data-test="card-line"]').click();
    await rep.waitForURL(new RegExp(`#/tickets/${ticketId}$`));
    await ticketStatus(rep, 'resolved');

    await rep.locator('[data-test="rate-ticket"]').click();
    const rate = dialog(rep, 'rate-dialog');
    await rate.waitFor();
    await rate.locator('.van-rate__item').nth(4).click();
    await rate.locator('[data-test="rate-comment"] input').fill('响应很快');
    await shot(rep, 'rate-dialog');
    await rate.locator('.van-dialog__confirm').click();
    await rate.waitFor({ state: 'hidden' });
    const satisfaction = rep.locator('[data-test="ticket-satisfaction"]');
    await satisfaction.filter({ hasText: '5 星' }).waitFor();
    expect(await satisfaction.innerText()).toContain('响应很快');
    expect(await rep.locator('[data-test="rate-ticket"]').count()).toBe(0);

    const steps = rep.locator('[data-test="ticket-log"] .van-step');
    expect(await steps.count()).toBe(6);
    const expected: [RegExp, string][] = [
      [/^创建工单/, '李娜'],
      [/^分派给 周强/, '周强'],
      [/^开始处理/, '周强'],
      [/^备注\s+已电话联系设备科，明早上门检查主轴轴承/, '周强'],
      [/^解决工单\s+更换主轴轴承并重新校准，试运行正常/, '周强'],
      [/^评价 5 星/, '李娜'],
    ];
    for (const [i, [what, who]] of expected.entries()) {
      const text = (await steps.nth(i).innerText()).trim();
      expect(text).toMatch(what);
      expect(text).toMatch(new RegExp(`${who} · \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}`));
    }
    await rep.locator('[data-test="ticket-log"]').scrollIntoViewIfNeeded();
    await shot(rep, 'ticket-log');
    expect((await t.inspect.tickets.findById(ticketId).lean())!.satisfaction).toMatchObject({ score: 5, comment: '响应很快' });
  });

  it('tags the customer: 战略客户, then 老客户 in its place, and 价格敏感; shows who added it', async () => {
    await openCustomer(rep);
    const tags = rep.locator('[data-test="customer-tags"]');
    await tags.waitFor();
    expect(await tags.innerText()).toContain('还没有标签');
    const sheet = rep.locator('[data-test="tag-sheet"]');

    await rep.locator('[data-test="edit-tags"]').click();
    await sheet.waitFor();
    for (const name of ['客户类型', '需求', '风险']) expect(await sheet.innerText()).toContain(name);
    await sheet.locator('[data-test="choose-战略客户"]').click();
    await shot(rep, 'tag-sheet');
    await sheet.locator('[data-test="save-tags"]').click();
    await sheet.waitFor({ state: 'hidden' });
    await tags.locator('[data-test="tag-战略客户"]').waitFor();
    expect((await t.inspect.customers.findById(customerId).lean())!.tags).toEqual(['战略客户']);

    await rep.locator('[data-test="edit-tags"]').click();
    await sheet.waitFor();
    expect(await sheet.locator('[data-test="choose-战略客户"] .van-radio__icon--checked').count()).toBe(1);
    await sheet.locator('[data-test="choose-老客户"]').click();
    expect(await sheet.locator('[data-test="choose-战略客户"] .van-radio__icon--checked').count()).toBe(0); // one of the group
    await sheet.locator('[data-test="choose-价格敏感"]').click();
    await sheet.locator('[data-test="save-tags"]').click();
    await sheet.waitFor({ state: 'hidden' });
    await tags.locator('[data-test="tag-价格敏感"]').waitFor();
    await tags.locator('[data-test="tag-战略客户"]').waitFor({ state: 'detached' });
    expect(await tags.locator('.van-tag').allInnerTexts()).toEqual(['老客户', '价格敏感']);
    // in the groups' colours
    expect(await tags.locator('[data-test="tag-价格敏感"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(255, 151, 106)');
    expect((await t.inspect.customers.findById(customerId).lean())!.tags).toEqual(['老客户', '价格敏感']);

    await tags.locator('[data-test="tag-价格敏感"]').click();
    const info = rep.locator('[data-test="tag-info"]');
    await info.waitFor();
    expect(await info.locator('[data-test="tag-added-by"]').innerText()).toContain('李娜');
    expect(await info.locator('[data-test="tag-added-at"]').innerText()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(await info.innerText()).toContain('需求');
    await shot(rep, 'tag-info');
    await rep.locator('.van-action-sheet__cancel').click();
    await info.waitFor({ state: 'hidden' });
  });

  it('tags the three customers a keyword filter lists, at once', async () => {
    await rep.goto('/#/customers');
    await rep.reload();
    await rep.locator(`[data-test="customer-${customerId}"]`).waitFor();
    await rep.locator('[data-test="search"] input').fill('批量E2E');
    await rep.locator(`[data-test="customer-${customerId}"]`).waitFor({ state: 'detached' }); // the filtered list
    for (const id of bulkIds) await rep.locator(`[data-test="customer-${id}"]`).waitFor();
    expect(await rep.locator('[data-test^="customer-"]').count()).toBe(3);

    await rep.locator('[data-test="bulk-tags"]').click();
    const sheet = rep.locator('[data-test="bulk-sheet"]');
    await sheet.waitFor();
    await sheet.locator('[data-test="bulk-tag-重视服务"]').click();
    await shot(rep, 'bulk-sheet');
    await sheet.locator('[data-test="bulk-run"]').click();
    const result = sheet.locator('[data-test="bulk-result"]');
    await result.waitFor();
    expect(await result.innerText()).toMatch(/已为 3 位客户添加标签[\s\S]*筛选匹配 3 位客户/);
    await shot(rep, 'bulk-result');
    await sheet.locator('[data-test="bulk-done"]').click();
    await sheet.waitFor({ state: 'hidden' });

    for (const id of bulkIds) {
      const response = await t.request(`/api/customers/${id}`, { token: repToken });
      expect(((await response.json()) as Json).tags).toEqual(['重视服务']);
    }
    expect((await t.inspect.customers.findById(customerId).lean())!.tags).not.toContain('重视服务');
  });

  it('saves the filtered list as a segment and opens it again from 客户分群', async () => {
    await rep.locator('[data-test="save-segment"]').click();
    const save = dialog(rep, 'segment-dialog');
    await save.waitFor();
    expect(await save.innerText()).toContain('关键词：批量E2E');
    await save.locator('[data-test="segment-name"] input').fill('批量E2E客户');
    await save.locator('.van-dialog__confirm').click();
    await save.waitFor({ state: 'hidden' });
    await toast(rep, '分群已保存').waitFor();

    // one the list can only partly apply: two tags (all of) and a payment fact
    const made = await t.request('/api/segments', {
      method: 'POST',
      token: repToken,
      json: { name: '重点维护', shared: false, filter: { owner: 'me', tagsAll: ['重视服务', '价格敏感'], receivedAtLeast: { amountFen: 1_000_000, withinDays: 90 } } },
    });
    expect(made.status).toBe(201);

    await rep.goto('/#/me');
    await rep.locator('[data-test="segments"]').click();
    const list = rep.locator('[data-test="segment-list"]');
    await list.locator('.van-cell').filter({ hasText: '批量E2E客户' }).waitFor();
    expect(await list.locator('.van-cell').filter({ hasText: '批量E2E客户' }).innerText()).toContain('3 位客户');
    await shot(rep, 'segments');

    await list.locator('.van-cell').filter({ hasText: '批量E2E客户' }).click();
    await rep.locator('[data-test="segment-applied"]').filter({ hasText: '批量E2E客户' }).waitFor();
    expect(await rep.locator('[data-test="search"] input').inputValue()).toBe('批量E2E');
    for (const id of bulkIds) await rep.locator(`[data-test="customer-${id}"]`).waitFor();
    await rep.waitForLoadState('networkidle');
    expect(await rep.locator('[data-test^="customer-"]').count()).toBe(3);
    expect(await rep.locator(`[data-test="customer-${customerId}"]`).count()).toBe(0);

    await rep.goto('/#/segments');
    await list.locator('.van-cell').filter({ hasText: '重点维护' }).click();
    const applied = rep.locator('[data-test="segment-applied"]').filter({ hasText: '重点维护' });
    await applied.waitFor();
    expect(await applied.locator('[data-test="segment-fact"]').allInnerTexts()).toEqual(['同时带有「重视服务」「价格敏感」', '90 天内回款不少于 ¥10,000.00']);
    await shot(rep, 'segment-read-only');
  });

  it('shows two page views from the company site, tied by a campaign link, in 行为', async () => {
    const site = await t.request('/api/tracking-sites', { method: 'POST', token: adminToken, json: { name: '官网', origins: [t.baseUrl] } });
    expect(site.status).toBe(201);
    const key = ((await site.json()) as Json).key as string;

    await openCustomer(rep);
    const section = rep.locator('[data-test="behaviour"]');
    await section.waitFor();
    expect(await section.innerText()).toContain('还没有行为记录');
    await rep.locator('[data-test="make-track-link"]').click();
    const linkSheet = rep.locator('[data-test="track-link-sheet"]');
    await linkSheet.waitFor();
    const suffix = await linkSheet.locator('[data-test="track-link"] textarea').inputValue();
    expect(suffix).toMatch(/^\?kmlid=[0-9a-f]{24}\.[A-Za-z0-9_-]{22}$/);
    expect(await linkSheet.innerText()).toContain('把下面这段加在公司网站任一页面地址的末尾');
    await shot(rep, 'track-link');
    const linkId = decodeURIComponent(suffix.slice('?kmlid='.length));
    expect(linkId.startsWith(customerId)).toBe(true);

    // the site's snippet, as a browser on the site would send it
    const page = (path: string) => ({ type: 'page_view', visitorId: 'e2e-visitor-0001', url: `${t.baseUrl}${path}`, title: '价格方案', linkId, at: Date.now() });
    const tracked = await fetch(`${t.baseUrl}/api/track`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: t.baseUrl },
      body: JSON.stringify({ key, events: [page('/pricing'), page('/pricing')] }),
    });
    expect(tracked.status).toBe(200);
    expect(await tracked.json()).toEqual({ stored: 2 });

    await openCustomer(rep);
    const summary = rep.locator('[data-test="behaviour-summary"]');
    await summary.waitFor();
    expect((await summary.innerText()).trim()).toBe('本周访问「价格方案」2 次');
    expect(await section.locator('[data-test^="behaviour-event-"]').count()).toBe(2);
    expect(await section.locator('[data-test="behaviour-event-0"]').innerText()).toMatch(/价格方案[\s\S]*访问/);
    await section.scrollIntoViewIfNeeded();
    await shot(rep, 'behaviour');
  });
});
