// Report drill-downs in Chromium: a tap on a bar opens the list behind it, scoped to the caller.
// The setup seeds, through the API, this month's customers and opportunities of 华东大区 (李娜 =
// rep.east1, 王芳 = rep.east2, managed by 张伟 = manager.east) and of 华南大区 (rep.south1), some in
// the same province and stage: 江苏省 has three 华东 customers and one 华南 customer; 方案报价 holds
// two 华东 opportunities and one 华南 opportunity. manager.east then opens 数据报表:
// - 漏斗: a tap on the 方案报价 layer of the canvas opens 商机 filtered to that stage (a chip says so
//   and clears it back to the board): exactly the two 华东 opportunities, as many as the bar says;
// - 区域 (新增客户, 按省份): a tap on the 江苏省 bar opens 客户 filtered to 江苏省: the three 华东
//   customers there, each in 江苏省 by the API, and not the 华南 one;
// - 覆盖: a tap on the 超 30 天未跟进 bar opens 客户 with 未跟进 30 天以上 (none yet: all are new).
// The canvas is tapped at a point computed from the chart container's box and the known order of
// the bars (nothing of ECharts is exposed to the page). Screenshots go to artifacts/report-drilldown/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('report-drilldown');

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('report drill-downs in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let manager: Page;
  const tokens = { rep1: '', rep2: '', south: '', manager: '' };
  const customers: Record<string, string> = {};
  const opportunities: Record<string, string> = {};

  async function ok(response: Response, status = 201): Promise<Json> {
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  async function customer(token: string, name: string, province: string, city: string): Promise<string> {
    const body = await ok(await t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '制造业', source: '官网', region: { province, city } } }));
    return (customers[name] = body.id as string);
  }

  async function opportunity(token: string, customerId: string, title: string, moves: string[]): Promise<void> {
    const created = await ok(await t.request('/api/opportunities', { method: 'POST', token, json: { customerId, title, amount: '100000.00' } }));
    for (const stage of moves) await ok(await t.request(`/api/opportunities/${created.id}/stage`, { method: 'POST', token, json: { stage } }), 200);
    opportunities[title] = created.id as string;
  }

  /** Taps a chart's canvas at a fraction of its container's width and an offset from its top. */
  async function tapChart(chart: Locator, xFraction: number, y: number): Promise<void> {
    await chart.locator('canvas').waitFor();
    await manager.waitForTimeout(300); // the canvas paints on the next frame
    const box = (await chart.boundingBox())!;
    await manager.touchscreen.tap(box.x + box.width * xFraction, box.y + y);
  }

  /** The rows of a van-list once it has loaded to the end. */
  async function listed(selector: string): Promise<Locator> {
    await manager.locator('.van-list__finished-text').waitFor();
    return manager.locator(`.van-list ${selector}`);
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    [tokens.rep1, tokens.rep2, tokens.south, tokens.manager] = await Promise.all([t.login('rep.east1'), t.login('rep.east2'), t.login('rep.south1'), t.login('manager.east')]);

    const suzhou = await customer(tokens.rep1, '苏州恒力精密机械有限公司', '江苏省', '苏州市');
    const wuxi = await customer(tokens.rep1, '无锡华光电子科技有限公司', '江苏省', '无锡市');
    const nanjing = await customer(tokens.rep2, '南京紫金软件有限公司', '江苏省', '南京市');
    await customer(tokens.rep2, '杭州西溪智能装备有限公司', '浙江省', '杭州市');
    // another team, same province: not in 张伟's reach
    const nantong = await customer(tokens.south, '南通江海纺织有限公司', '江苏省', '南通市');

    await opportunity(tokens.rep1, suzhou, '五轴加工中心采购', ['needs', 'proposal']);
    await opportunity(tokens.rep2, nanjing, 'ERP 升级', ['needs', 'proposal']);
    await opportunity(tokens.rep1, wuxi, '二期产线改造', ['needs']);
    await opportunity(tokens.rep1, wuxi, '备件年度框架', []);
    await opportunity(tokens.south, nantong, '织机改造', ['needs', 'proposal']);

    browser = await launchBrowser();
    ({ context: phone, page: manager } = await signIn(browser, t.baseUrl, 'manager.east'));
  }, 180_000);

  afterAll(async () => {
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('opens the opportunities of a funnel stage from its layer', async () => {
    await manager.goto('/#/reports?section=funnel&period=month');
    await manager.locator('[data-test="funnel-table"]').waitFor();
    expect(await manager.locator('[data-test="funnel-total"]').innerText()).toContain('4'); // 华南's is not counted
    expect(await manager.locator('[data-test="drill-hint"]').innerText()).toContain('点击');
    const cells = (await manager.locator('[data-test="funnel-proposal"]').innerText()).split(/\s+/).filter(Boolean);
    expect(cells.slice(0, 2)).toEqual(['方案报价', '2']);
    const bar = Number(cells[1]);

    // the ladder 初步接触 · 需求确认 · 方案报价 · 商务谈判 · 赢单 in a 5 × 44 px chart, 8 px top and
    // bottom, 2 px between layers: 方案报价 is the third layer, centred at 8 + 2 × (39.2 + 2) + 19.6
    const chart = manager.locator('[data-test="funnel-chart"]');
    expect(Math.round((await chart.boundingBox())!.height)).toBe(220);
    await screenshot(manager, 'funnel');
    await tapChart(chart, 0.5, 8 + 2 * (39.2 + 2) + 19.6);
    await manager.waitForURL(/#\/opportunities\?/);
    expect(manager.url()).toContain('stage=proposal');
    expect(await manager.locator('[data-test="drill-chip"]').innerText()).toBe('阶段：新业务 · 方案报价');

    const rows = await listed('[data-test^="opportunity-"]');
    await expect.poll(() => rows.count()).toBe(bar);
    const stages = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-stage')));
    expect(stages).toEqual(Array(bar).fill('proposal'));
    const shown = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-test')));
    expect(shown.sort()).toEqual([`opportunity-${opportunities['五轴加工中心采购']}`, `opportunity-${opportunities['ERP 升级']}`].sort());
    expect(shown).not.toContain(`opportunity-${opportunities['织机改造']}`);
    expect(await manager.locator('.van-list').innerText()).not.toContain('织机改造');
    await screenshot(manager, 'funnel-proposal-opportunities');

    // the chip clears back to the board, which shows every stage
    await manager.locator('[data-test="drill-chip"] .van-tag__close').click();
    await manager.locator('[data-test="board"]').waitFor();
    expect(manager.url()).not.toContain('stage=');
    await manager.locator('[data-test="column-initial"]').waitFor();
  });

  it('opens the customers of a province from its bar, within the manager’s reach', async () => {
    await manager.goto('/#/reports?section=regional&period=month');
    await manager.locator('.van-radio', { hasText: '新增客户' }).click();
    await expect.poll(() => manager.locator('[data-test="region-江苏省"]').innerText(), { timeout: 10_000 }).toMatch(/江苏省\s*3/);
    expect(await manager.locator('[data-test="region-浙江省"]').innerText()).toMatch(/浙江省\s*1/);

    // two bars in a 120 px chart (8 px top and bottom), the largest on top: 江苏省 is the upper
    // row, 52 px tall, centred 34 px from the top; a tap anywhere across the row picks it
    const chart = manager.locator('[data-test="regional-chart"]');
    expect(Math.round((await chart.boundingBox())!.height)).toBe(120);
    await screenshot(manager, 'regional');
    await tapChart(chart, 0.6, 8 + 26);
    await manager.waitForURL(/#\/customers\?/);
    expect(decodeURIComponent(manager.url())).toContain('province=江苏省');
    expect(await manager.locator('[data-test="filter-chips"]').innerText()).toContain('地区：江苏省');

    const rows = await listed('[data-test^="customer-"]');
    await expect.poll(() => rows.count()).toBe(3);
    const ids = (await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-test')!))).map((s) => s.replace('customer-', ''));
    expect(ids.sort()).toEqual([customers['苏州恒力精密机械有限公司'], customers['无锡华光电子科技有限公司'], customers['南京紫金软件有限公司']].sort());
    for (const id of ids) {
      const shown = await ok(await t.request(`/api/customers/${id}`, { token: tokens.manager }), 200);
      expect(shown.region.province).toBe('江苏省');
    }
    // the 华南 customer in 江苏省 exists, and is not listed
    const nantong = await ok(await t.request(`/api/customers/${customers['南通江海纺织有限公司']}`, { token: tokens.south }), 200);
    expect(nantong.region.province).toBe('江苏省');
    expect(ids).not.toContain(customers['南通江海纺织有限公司']);
    expect(await manager.locator('.van-list').innerText()).not.toContain('南通江海纺织有限公司');
    await screenshot(manager, 'regional-jiangsu-customers');

    // clearing the chip lists the team's customers of every province again
    await manager.locator('[data-test="filter-chips"] .van-tag__close').first().click();
    await expect.poll(() => manager.locator('.van-list').innerText()).toContain('杭州西溪智能装备有限公司');
    expect(decodeURIComponent(manager.url())).not.toContain('province=');
  });

  it('opens the idle customers of a coverage bucket', async () => {
    await manager.goto('/#/reports?section=coverage&period=month');
    const chart = manager.locator('[data-test="coverage-chart"]');
    await chart.waitFor();
    // 超 30 天未跟进 (upper) and 超 90 天未跟进 rows of a 110 px chart: the first centred at 8 + 23.5
    await screenshot(manager, 'coverage');
    await tapChart(chart, 0.6, 8 + 23.5);
    await manager.waitForURL(/#\/customers\?/);
    expect(manager.url()).toContain('idleDays=30');
    expect(await manager.locator('[data-test="filter-chips"]').innerText()).toContain('未跟进 30 天以上');
    const rows = await listed('[data-test^="customer-"]');
    expect(await rows.count()).toBe(0); // every customer was created today
  });
});
