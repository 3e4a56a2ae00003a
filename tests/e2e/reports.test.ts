// 数据报表 in Chromium. The setup seeds, through the API, this month's work of two reps of 华东大区:
// rep.east1 (李娜) signs two contracts (¥8万 + ¥5万) and rep.east2 (王芳) one (¥6万), each
// submitted and approved by manager.east, with payments against them and follow-ups on their
// customers; rep.east1 also opens three opportunities and moves them through the stages. Then
// manager.east (张伟) opens 数据报表 from 首页: 龙虎榜 ranks 李娜 above 王芳 with their totals, a
// tap on 李娜 opens her customers, and 漏斗 shows the stages of 新业务 with how many reached each.
// Then rep.east1 adds two leads in the app (新增线索): one she keeps (已分配给 李娜, linked to the new
// customer) and one for 王芳's customer (已是老客户，已通知负责人); both are listed under 线索.
// Screenshots of the ranking chart, the funnel and a lead's outcome go to tests/e2e/artifacts/reports/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoUserIds } from '../helpers/users.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('reports');

/** Today in Asia/Shanghai, as the server's calendar has it. */
const shanghaiDay = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('reports in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let manager: Page;
  let repPhone: BrowserContext | undefined;
  const tokens = { rep1: '', rep2: '', manager: '' };
  let ids: Record<string, string> = {};

  async function ok(response: Response, status = 201): Promise<Json> {
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  async function customer(token: string, name: string, province: string, city: string): Promise<string> {
    const body = await ok(await t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '制造业', source: '官网', region: { province, city } } }));
    return body.id as string;
  }

  /** A contract signed today, submitted by the rep and approved by manager.east; then a payment on its first instalment. */
  async function signedContract(token: string, customerId: string, title: string, amount: string, paid: string): Promise<void> {
    const contract = await ok(
      await t.request('/api/contracts', { method: 'POST', token, json: { customerId, title, amount, signedOn: shanghaiDay(), plan: [{ dueOn: '2027-06-30', amount }] } }),
    );
    const approval = await ok(await t.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token }));
    const decision = await t.request(`/api/approvals/${approval.id}/decision`, { method: 'POST', token: tokens.manager, json: { decision: 'approve' } });
    expect(decision.status).toBeLessThan(300);
    const approved = (await (await t.request(`/api/contracts/${contract.id}`, { token })).json()) as Json;
    expect(approved.status).toBe('approved');
    await ok(
      await t.request(`/api/contracts/${contract.id}/payments`, { method: 'POST', token, json: { instalmentId: approved.plan[0].id, amount: paid, receivedOn: shanghaiDay(), method: '银行转账' } }),
    );
  }

  async function followUp(token: string, customerId: string, content: string): Promise<void> {
    await ok(await t.request(`/api/customers/${customerId}/follow-ups`, { method: 'POST', token, json: { method: 'call', content } }));
  }

  async function opportunity(token: string, customerId: string, title: string, amount: string, moves: { stage: string; lostReason?: string }[]): Promise<void> {
    const created = await ok(await t.request('/api/opportunities', { method: 'POST', token, json: { customerId, title, amount } }));
    for (const move of moves) await ok(await t.request(`/api/opportunities/${created.id}/stage`, { method: 'POST', token, json: move }), 200);
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    ids = await demoUserIds(t);
    [tokens.rep1, tokens.rep2, tokens.manager] = await Promise.all([t.login('rep.east1'), t.login('rep.east2'), t.login('manager.east')]);

    const suzhou = await customer(tokens.rep1, '苏州恒力精密机械有限公司', '江苏省', '苏州市');
    const wuxi = await customer(tokens.rep1, '无锡华光电子科技有限公司', '江苏省', '无锡市');
    const hangzhou = await customer(tokens.rep2, '杭州西溪智能装备有限公司', '浙江省', '杭州市');

    await signedContract(tokens.rep1, suzhou, '数控机床维保合同', '80000.00', '30000.00');
    await signedContract(tokens.rep1, wuxi, '产线改造一期', '50000.00', '50000.00');
    await signedContract(tokens.rep2, hangzhou, '智能仓储系统合同', '60000.00', '20000.00');

    await followUp(tokens.rep1, suzhou, '电话沟通维保计划，客户认可');
    await followUp(tokens.rep1, wuxi, '确认二期需求');
    await followUp(tokens.rep2, hangzhou, '回访仓储系统上线情况');

    await opportunity(tokens.rep1, suzhou, '五轴加工中心采购', '300000.00', [{ stage: 'needs' }, { stage: 'proposal' }]);
    await opportunity(tokens.rep1, wuxi, '二期产线改造', '200000.00', [{ stage: 'needs' }, { stage: 'lost', lostReason: '价格因素' }]);
    await opportunity(tokens.rep1, wuxi, '备件年度框架', '50000.00', []);

    browser = await launchBrowser();
    ({ context: phone, page: manager } = await signIn(browser, t.baseUrl, 'manager.east'));
  }, 180_000);

  afterAll(async () => {
    await repPhone?.close();
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('ranks the reps by signed amount this month, with their totals', async () => {
    // Home shows the manager their team's day first: 李娜's two follow-ups and 王芳's one
    await expect.poll(() => manager.locator('[data-test="today-followUps"]').innerText(), { timeout: 10_000 }).toBe('3');
    await manager.locator('[data-test="home-reports"]').click();
    await manager.locator('[data-test="ranking-list"]').waitFor();
    expect(await manager.locator('[data-test="period-month"]').getAttribute('aria-checked')).toBe('true');
    const rows = manager.locator('[data-test="ranking-list"] [data-test^="rank-"]').filter({ has: manager.locator('[data-test="rank-name"]') });
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator('[data-test="rank-name"]').innerText()).toBe('李娜');
    expect(await rows.nth(0).locator('[data-test="rank-value"]').innerText()).toBe('¥13万');
    expect(await rows.nth(1).locator('[data-test="rank-name"]').innerText()).toBe('王芳');
    expect(await rows.nth(1).locator('[data-test="rank-value"]').innerText()).toBe('¥6万');
    expect(await rows.nth(0).getAttribute('data-test')).toBe(`rank-${ids['rep.east1']}`);
    await manager.locator('[data-test="ranking-chart"] canvas').waitFor();
    await manager.waitForTimeout(300); // the canvas paints on the next frame
    await screenshot(manager, 'ranking');

    // 回款金额: 李娜 collected ¥8万 (3万 + 5万), 王芳 ¥2万
    await manager.locator('[data-test="measure-collectedFen"]').click();
    await expect.poll(() => rows.nth(0).locator('[data-test="rank-value"]').innerText()).toBe('¥8万');
    expect(await rows.nth(1).locator('[data-test="rank-value"]').innerText()).toBe('¥2万');
    // 跟进次数: 2 and 1
    await manager.locator('[data-test="measure-followUps"]').click();
    await expect.poll(() => rows.nth(0).locator('[data-test="rank-value"]').innerText()).toBe('2');
    expect(await rows.nth(1).locator('[data-test="rank-value"]').innerText()).toBe('1');
  });

  it('opens the customers of a person from the ranking', async () => {
    await manager.locator(`[data-test="rank-${ids['rep.east1']}"]`).click();
    await manager.waitForURL(/#\/customers\?/);
    await manager.getByText('无锡华光电子科技有限公司').waitFor();
    await manager.getByText('苏州恒力精密机械有限公司').waitFor();
    expect(await manager.locator('[data-test="filter-chips"]').innerText()).toContain('负责人：李娜');
    expect(await manager.getByText('杭州西溪智能装备有限公司').count()).toBe(0);
    await manager.goBack();
    await manager.locator('[data-test="ranking-list"]').waitFor();
  });

  it('shows the funnel of this month’s opportunities', async () => {
    await manager.locator('.section-funnel').click();
    await manager.locator('[data-test="funnel-table"]').waitFor();
    expect(await manager.locator('[data-test="funnel-total"]').innerText()).toContain('3');
    const row = async (stage: string) => (await manager.locator(`[data-test="funnel-${stage}"]`).innerText()).split(/\s+/).filter(Boolean);
    // every opportunity stood on 初步接触; two reached 需求确认, one 方案报价
    expect((await row('initial')).slice(0, 3)).toEqual(['初步接触', '3', '66.7%']);
    expect((await row('needs')).slice(0, 3)).toEqual(['需求确认', '2', '50%']);
    expect((await row('proposal')).slice(0, 2)).toEqual(['方案报价', '1']);
    expect((await row('won')).slice(0, 2)).toEqual(['赢单', '0']);
    expect(await manager.locator('[data-test="funnel-lost"]').innerText()).toContain('输单');
    expect(await manager.locator('[data-test="lost-reasons"]').innerText()).toMatch(/价格因素\s*1/);
    await manager.locator('[data-test="funnel-chart"] canvas').waitFor();
    await manager.waitForTimeout(300);
    await screenshot(manager, 'funnel');
  });

  it('shows the regions, customer value, coverage and service sections', async () => {
    await manager.locator('.section-regional').click();
    await manager.locator('[data-test="regional-chart"] canvas').waitFor();
    await manager.getByText('江苏省').first().waitFor();
    await manager.locator('.section-clv').click();
    await manager.locator('[data-test="clv-chart"] canvas').waitFor();
    await manager.locator('.section-coverage').click();
    await manager.locator(`[data-test="coverage-${ids['rep.east1']}"]`).waitFor();
    await manager.locator('.section-service').click();
    await manager.locator('[data-test="service-numbers"]').waitFor();
  });

  it('lets a rep add a lead in the app and says what became of it', async () => {
    let rep: Page;
    ({ context: repPhone, page: rep } = await signIn(browser, t.baseUrl, 'rep.east1'));
    await rep.goto('/#/me');
    await rep.locator('[data-test="leads"]').click();
    await rep.locator('[data-test="new-lead"]').click();
    // one she keeps: a new customer, hers
    await rep.locator('[data-test="lead-name"] input').fill('周立');
    await rep.locator('[data-test="lead-company"] input').fill('常州新材科技有限公司');
    await rep.locator('[data-test="lead-phone"] input').fill('13912345678');
    await rep.locator('[data-test="lead-keep"]').click();
    await rep.locator('[data-test="save-lead"]').click();
    await expect.poll(() => rep.locator('[data-test="lead-outcome"]').innerText()).toContain('已分配给 李娜');
    await screenshot(rep, 'lead-outcome');
    await rep.locator('[data-test="lead-customer"]').click();
    await rep.locator('[data-test="detail-header"]').waitFor();
    expect(await rep.locator('[data-test="detail-header"]').innerText()).toContain('常州新材科技有限公司');
    // one for a company we know already (王芳's): attached, its owner told
    await rep.goto('/#/leads/new');
    await rep.locator('[data-test="lead-name"] input').fill('钱工');
    await rep.locator('[data-test="lead-company"] input').fill('杭州西溪智能装备有限公司');
    await rep.locator('[data-test="lead-phone"] input').fill('13800001111');
    await rep.locator('[data-test="save-lead"]').click();
    await expect.poll(() => rep.locator('[data-test="lead-outcome"]').innerText()).toContain('已是老客户，已通知负责人');
    // both in 线索
    await rep.goto('/#/leads');
    await rep.locator('[data-test="leads"]').waitFor();
    const list = await rep.locator('[data-test="leads"]').innerText();
    expect(list).toContain('周立 · 常州新材科技有限公司');
  });
});
