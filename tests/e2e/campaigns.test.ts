// 营销活动 in Chromium. The setup, through the API: manager.east (张伟) creates a campaign (展会, cost
// ¥2万) and rep.east1 (李娜) has two customers. In the app, 张伟 opens the campaign from 我的 → 营销活动,
// invites one customer found by search (已邀请 1 位), checks that customer in (已签到), finds the
// second by the walk-in search and checks them in too; the results block then counts 邀请 2 and
// 签到 2. 李娜 opening the same campaign sees no results block (the server keeps them from reps) but
// sees her two customers among the participants (not 王芳's, invited later), and no 新建活动 in the list.
// Screenshots go to tests/e2e/artifacts/campaigns/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('campaigns');

/** Today in Asia/Shanghai, as the server's calendar has it. */
const shanghaiDay = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('campaigns in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let manager: Page;
  let repPhone: BrowserContext | undefined;
  const tokens = { rep1: '', rep2: '', manager: '' };
  let campaignId = '';
  const customers = { suzhou: '', wuxi: '', hangzhou: '' };

  async function ok(response: Response, status = 201): Promise<Json> {
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  async function customer(token: string, name: string, province: string, city: string): Promise<string> {
    const body = await ok(await t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '制造业', source: '展会', region: { province, city } } }));
    return body.id as string;
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    [tokens.rep1, tokens.rep2, tokens.manager] = await Promise.all([t.login('rep.east1'), t.login('rep.east2'), t.login('manager.east')]);
    customers.suzhou = await customer(tokens.rep1, '苏州恒力精密机械有限公司', '江苏省', '苏州市');
    customers.wuxi = await customer(tokens.rep1, '无锡华光电子科技有限公司', '江苏省', '无锡市');
    customers.hangzhou = await customer(tokens.rep2, '杭州西溪智能装备有限公司', '浙江省', '杭州市');
    const today = shanghaiDay();
    const campaign = await ok(
      await t.request('/api/campaigns', { method: 'POST', token: tokens.manager, json: { name: '2026 华东智能制造展', type: '展会', startOn: today, endOn: today, budget: '30000', cost: '20000.00', status: 'active' } }),
    );
    campaignId = campaign.id as string;
    // a rep may not create one
    expect((await t.request('/api/campaigns', { method: 'POST', token: tokens.rep1, json: { name: '不该有的活动', type: '沙龙', startOn: today, endOn: today } })).status).toBe(403);

    browser = await launchBrowser();
    ({ context: phone, page: manager } = await signIn(browser, t.baseUrl, 'manager.east'));
  }, 180_000);

  afterAll(async () => {
    await repPhone?.close();
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('opens the campaign from 我的 → 营销活动', async () => {
    await manager.goto('/#/me');
    await manager.locator('[data-test="campaigns"]').click();
    await manager.waitForURL(/#\/campaigns$/);
    await manager.locator('[data-test="new-campaign"]').waitFor();
    const row = manager.locator(`[data-test="campaign-${campaignId}"]`);
    expect(await row.innerText()).toContain('2026 华东智能制造展');
    expect(await row.innerText()).toContain('展会');
    expect(await row.innerText()).toContain('进行中');
    await row.click();
    await manager.locator('[data-test="campaign-header"]').waitFor();
    expect(await manager.locator('[data-test="campaign-header"]').innerText()).toContain(`${shanghaiDay()} 至 ${shanghaiDay()}`);
    // the results block, before anyone takes part
    await manager.locator('[data-test="campaign-results"]').waitFor();
    expect(await manager.locator('[data-test="result-invited"]').innerText()).toMatch(/邀请\s+0/);
    expect(await manager.locator('[data-test="result-cost"]').innerText()).toContain('¥2万');
  });

  it('invites a customer found by search', async () => {
    await manager.locator('[data-test="invite"]').click();
    await manager.locator('[data-test="invite-popup"]').waitFor();
    await manager.locator('[data-test="invite-search"] input').fill('恒力');
    const pick = manager.locator(`[data-test="invite-pick-${customers.suzhou}"]`);
    await pick.waitFor();
    await expect.poll(() => manager.locator('[data-test^="invite-pick-"]').count()).toBe(1);
    await pick.click();
    await manager.locator('[data-test="invite-send"]').click();
    await expect.poll(() => manager.locator('[data-test="invite-result"]').innerText()).toBe('已邀请 1 位（0 位已在名单中）');
    const row = manager.locator(`[data-test="participant-${customers.suzhou}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('苏州恒力精密机械有限公司');
    expect(await row.locator('[data-test="participant-status-invited"]').innerText()).toBe('已邀请');
  });

  it('checks the invited customer in', async () => {
    const row = manager.locator(`[data-test="participant-${customers.suzhou}"]`);
    await row.locator('[data-test="check-in"]').click();
    await row.locator('[data-test="participant-status-attended"]').waitFor();
    expect(await row.locator('[data-test="participant-status-attended"]').innerText()).toBe('已签到');
    expect(await row.locator('[data-test="check-in"]').count()).toBe(0);
  });

  it('checks in a walk-in found by search, and counts both in the results', async () => {
    await manager.locator('[data-test="walkin-search"] input').fill('华光');
    const found = manager.locator(`[data-test="walkin-${customers.wuxi}"]`);
    await found.waitFor();
    expect(await found.innerText()).toContain('未在名单中');
    await found.locator('[data-test="walkin-check-in"]').click();
    const row = manager.locator(`[data-test="participant-${customers.wuxi}"]`);
    await row.locator('[data-test="participant-status-attended"]').waitFor();
    expect(await found.locator('[data-test="participant-status-attended"]').innerText()).toBe('已签到');
    await expect.poll(() => manager.locator('[data-test="result-invited"]').innerText()).toMatch(/邀请\s+2/);
    expect(await manager.locator('[data-test="result-attended"]').innerText()).toMatch(/签到\s+2/);
    expect(await manager.locator('[data-test="result-registered"]').innerText()).toMatch(/报名\s+2/);
    expect(await manager.locator('[data-test="result-leads"]').innerText()).toMatch(/线索\s+0/);
    expect(await manager.locator('[data-test="result-costPerLead"]').innerText()).toContain('—');
    expect(await manager.locator('[data-test="participants"] .van-cell').count()).toBe(2);
    // inviting the same customer again: already on the list
    await manager.locator('[data-test="invite"]').click();
    await manager.locator('[data-test="invite-search"] input').fill('恒力');
    await manager.locator(`[data-test="invite-pick-${customers.suzhou}"]`).click();
    await manager.locator('[data-test="invite-send"]').click();
    await expect.poll(() => manager.locator('[data-test="invite-result"]').innerText()).toBe('已邀请 0 位（1 位已在名单中）');
    await manager.locator('[data-test="campaign-results"]').scrollIntoViewIfNeeded();
    await manager.locator('.van-toast').last().waitFor({ state: 'hidden' }); // the toast fades
    await screenshot(manager, 'manager-results');
    await manager.locator('[data-test="participants"]').scrollIntoViewIfNeeded();
    await screenshot(manager, 'manager-participants');
    // 登记线索 opens the lead form for this campaign
    expect(await manager.locator('[data-test="campaign-add-lead"]').getAttribute('href')).toBe(`#/leads/new?campaign=${campaignId}`);
  });

  it('shows a rep the participants who are her customers, without the results', async () => {
    // 王芳's customer takes part too: 张伟 sees three, 李娜 only her two
    expect(await ok(await t.request(`/api/campaigns/${campaignId}/participants`, { method: 'POST', token: tokens.manager, json: { customerIds: [customers.hangzhou] } }), 200)).toEqual({ invited: 1, already: 0 });
    let rep: Page;
    ({ context: repPhone, page: rep } = await signIn(browser, t.baseUrl, 'rep.east1'));
    const failed: string[] = [];
    rep.on('response', (response) => {
      if (response.url().includes('/results')) failed.push(`${response.status()} ${response.url()}`);
    });
    await rep.goto('/#/me');
    await rep.locator('[data-test="campaigns"]').click();
    await rep.locator(`[data-test="campaign-${campaignId}"]`).click();
    await rep.locator('[data-test="participants"]').waitFor();
    await expect.poll(() => rep.locator('[data-test="participants"] .van-cell').count()).toBe(2);
    expect(await rep.locator(`[data-test="participant-${customers.suzhou}"]`).innerText()).toContain('已签到');
    expect(await rep.locator(`[data-test="participant-${customers.wuxi}"]`).innerText()).toContain('已签到');
    expect(await rep.getByText('杭州西溪智能装备有限公司').count()).toBe(0);
    expect(await rep.locator('[data-test="campaign-results"]').count()).toBe(0);
    expect(await rep.getByText('活动效果').count()).toBe(0);
    expect(await rep.locator('.van-toast').filter({ hasText: /\S/ }).count()).toBe(0);
    expect(failed).toEqual([]); // the app does not ask for what a rep may not see
    await screenshot(rep, 'rep-participants');
    // and the results stay closed to a rep on the API
    expect((await t.request(`/api/campaigns/${campaignId}/results`, { token: tokens.rep1 })).status).toBe(403);
    await rep.goBack();
    await rep.locator(`[data-test="campaign-${campaignId}"]`).waitFor();
    expect(await rep.locator('[data-test="new-campaign"]').count()).toBe(0);
  });
});
