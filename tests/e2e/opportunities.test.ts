// Opportunities, payments and targets in Chromium, as rep.east1 on a phone: two opportunities made
// from the customer's page land in 初步接触 on the kanban (count and sums in the column header);
// the stage picker moves one to 商务谈判 and the sums follow, then to 输单, which wants a reason; a
// third is won from its page with 同时生成合同草稿 and opens the new draft. On a contract approved
// in the setup the rep records a partial payment, is told the server's words when paying too much,
// then completes the contract; Home shows 本月目标. Screenshots go to
// tests/e2e/artifacts/opportunities/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('opportunities');
const customerName = '苏州工业园区星海实验学校';
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** Today and this month in Asia/Shanghai, as the server's calendar has them. */
const shanghaiDay = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('opportunities, payments and targets in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let rep: Page;
  let repToken = '';
  let customerId = '';
  const ids = { big: '', small: '', third: '' };
  let approved = { contractId: '', number: '' };

  const idFrom = (url: string, path: string) => url.split(`/${path}/`)[1]!.split(/[/?]/)[0]!;
  const column = (stage: string) => rep.locator(`[data-test="column-${stage}"]`);
  const columnText = async (stage: string) => ({
    count: (await column(stage).locator('[data-test="column-count"]').innerText()).trim(),
    sum: (await column(stage).locator('[data-test="column-sum"]').innerText()).trim(),
    weighted: (await column(stage).locator('[data-test="column-weighted"]').innerText()).trim(),
  });
  const dialog = (test: string) => rep.locator('.van-dialog').filter({ has: rep.locator(`[data-test="${test}"]`) });
  const toast = (text: string) => rep.locator('.van-toast').filter({ hasText: text });

  /** A picture of the page once no toast covers it (one stays two seconds). */
  async function shot(name: string) {
    await rep.waitForFunction(() => [...document.querySelectorAll('.van-toast')].every((el) => getComputedStyle(el).display === 'none'));
    return screenshot(rep, name);
  }

  /** The kanban as it is now. */
  async function openBoard() {
    await rep.goto('/#/opportunities');
    await rep.reload();
    await column('initial').waitFor();
  }

  /** The stage picker of a card, and the stage chosen in it. */
  async function moveCard(id: string, stageName: string) {
    await rep.locator(`[data-test="card-${id}"] [data-test="card-move"]`).click();
    const sheet = rep.locator('.van-action-sheet');
    await sheet.waitFor();
    await sheet.locator('.van-action-sheet__item').filter({ hasText: stageName }).click();
  }

  async function createFromCustomerPage(title: string, amount: string): Promise<string> {
    await rep.goto(`/#/customers/${customerId}`);
    await rep.locator('[data-test="detail-header"]').waitFor();
    await rep.locator('[data-test="new-opportunity"]').click();
    await rep.locator('[data-test="field-title"] input').waitFor();
    expect(await rep.locator('[data-test="opportunity-customer"]').innerText()).toContain(customerName);
    await rep.locator('[data-test="field-title"] input').fill(title);
    await rep.locator('[data-test="field-amount"] input').fill(amount);
    return title;
  }

  async function saveOpportunity(): Promise<string> {
    await rep.locator('[data-test="save-opportunity"]').click();
    await rep.locator('[data-test="opportunity-header"]').waitFor();
    return idFrom(rep.url(), 'opportunities');
  }

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    repToken = await t.login('rep.east1');
    const managerToken = await t.login('manager.east');
    const response = await t.request('/api/customers', { method: 'POST', token: repToken, json: { type: 'company', name: customerName, industry: '教育', source: '官网' } });
    expect(response.status).toBe(201);
    customerId = ((await response.json()) as Json).id;

    // a contract under 100,000 (the manager's step alone), signed today, approved by manager.east
    const created = await t.request('/api/contracts', {
      method: 'POST',
      token: repToken,
      json: {
        customerId,
        title: '校园安防系统维护合同',
        amount: '80000.00',
        signedOn: shanghaiDay(),
        plan: [
          { dueOn: '2027-01-31', amount: '50000.00' },
          { dueOn: '2027-03-31', amount: '30000.00' },
        ],
      },
    });
    expect(created.status).toBe(201);
    const contract = (await created.json()) as Json;
    const submit = await t.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token: repToken });
    expect(submit.status).toBe(201);
    const approvalId = ((await submit.json()) as Json).id as string;
    const decision = await t.request(`/api/approvals/${approvalId}/decision`, { method: 'POST', token: managerToken, json: { decision: 'approve' } });
    expect(decision.status).toBeLessThan(300);
    expect((await t.inspect.contracts.findById(contract.id).lean())!.status).toBe('approved');
    approved = { contractId: contract.id, number: contract.number };

    // this month's targets for the rep, set by the manager
    const me = (await (await t.request('/api/me', { token: repToken })).json()) as Json;
    const month = shanghaiDay().slice(0, 7);
    const target = await t.request('/api/targets', {
      method: 'PUT',
      token: managerToken,
      json: { subject: 'user', subjectId: me.id, month, metrics: { signedFen: 20_000_000, collectedFen: 10_000_000, newCustomers: 5 } },
    });
    expect(target.status).toBe(200);

    browser = await launchBrowser();
    ({ context: phone, page: rep } = await signIn(browser, t.baseUrl, 'rep.east1'));
  }, 180_000);

  afterAll(async () => {
    await phone?.close();
    await browser?.close();
    await t?.close();
  });

  it('creates two opportunities from the customer page', async () => {
    await rep.goto(`/#/customers/${customerId}`);
    await rep.locator('[data-test="opportunities"]').waitFor();
    expect(await rep.locator('[data-test="opportunities"]').innerText()).toContain('还没有商机');

    await createFromCustomerPage('智慧校园一期', '100000.00');
    expect(await rep.locator('[data-test="field-stage"] input').inputValue()).toBe('初步接触');
    await rep.locator('[data-test="field-nextStep"] textarea').fill('下周二拜访信息中心主任');
    await shot('opportunity-form');
    ids.big = await saveOpportunity();
    expect(await rep.locator('[data-test="opportunity-header"]').innerText()).toMatch(/智慧校园一期[\s\S]*初步接触/);
    expect(await rep.locator('[data-test="opportunity-amount"]').innerText()).toContain('¥100,000.00');
    expect(await rep.locator('[data-test="opportunity-probability"]').innerText()).toContain('10%');
    await shot('opportunity-detail');

    await createFromCustomerPage('教师培训平台', '50,000.00');
    ids.small = await saveOpportunity();

    await rep.goto(`/#/customers/${customerId}`);
    const listed = rep.locator('[data-test="opportunities"]');
    await listed.locator(`[data-test="opportunity-${ids.small}"]`).waitFor();
    const text = await listed.innerText();
    for (const part of ['智慧校园一期', '¥100,000.00', '教师培训平台', '¥50,000.00', '初步接触']) expect(text).toContain(part);

    const stored = (await t.inspect.opportunities.findById(ids.big).lean())!;
    expect(stored).toMatchObject({ amountFen: 10_000_000, stage: 'initial', status: 'open', nextStep: '下周二拜访信息中心主任' });
  });

  it('shows both in 初步接触 on the kanban with the count and the sums', async () => {
    await rep.goto(`/#/customers/${customerId}`);
    await rep.locator('[data-test="detail-header"]').waitFor();
    await rep.goto('/#/');
    await rep.locator('[data-test="tab-opportunities"]').click(); // the tab bar's 商机
    await column('initial').waitFor();
    expect(await columnText('initial')).toEqual({ count: '2', sum: '¥150,000.00', weighted: '加权 ¥15,000.00' });
    expect(await columnText('negotiation')).toEqual({ count: '0', sum: '¥0.00', weighted: '加权 ¥0.00' });
    const card = await rep.locator(`[data-test="card-${ids.big}"]`).innerText();
    for (const part of ['智慧校园一期', customerName, '¥100,000.00', '李娜']) expect(card).toContain(part);
    // the columns sit side by side and scroll sideways on a phone
    const board = await rep.locator('[data-test="board"]').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, snap: getComputedStyle(el).scrollSnapType }));
    expect(board.scroll).toBeGreaterThan(board.client);
    expect(board.snap).toContain('x');
    await shot('kanban');
  });

  it('moves the 100,000 one to 商务谈判 with the stage picker, and the column sums follow', async () => {
    await moveCard(ids.big, '商务谈判');
    await toast('已移至「商务谈判」').waitFor();
    await expect.poll(() => columnText('negotiation')).toEqual({ count: '1', sum: '¥100,000.00', weighted: '加权 ¥70,000.00' });
    expect(await columnText('initial')).toEqual({ count: '1', sum: '¥50,000.00', weighted: '加权 ¥5,000.00' });
    await rep.locator('.van-action-sheet').waitFor({ state: 'hidden' });
    await column('negotiation').scrollIntoViewIfNeeded();
    await shot('kanban-moved');
    expect((await t.inspect.opportunities.findById(ids.big).lean())!).toMatchObject({ stage: 'negotiation', probability: 70 });
  });

  it('wants a reason when it is moved to 输单', async () => {
    await moveCard(ids.big, '输单');
    const lost = dialog('lost-dialog');
    await lost.waitFor();
    for (const reason of ['价格因素', '选择竞品', '预算不足']) expect(await lost.innerText()).toContain(reason);

    // no reason: the dialog stays and says so, and nothing moves
    await lost.locator('.van-dialog__confirm').click();
    await lost.locator('[data-test="lost-reason-error"]').waitFor();
    expect(await lost.locator('[data-test="lost-reason-error"]').innerText()).toBe('请选择输单原因');
    await shot('lost-reason-required');
    expect((await t.inspect.opportunities.findById(ids.big).lean())!.stage).toBe('negotiation');

    await lost.locator('[data-test="lost-reason-选择竞品"]').click();
    await lost.locator('.van-dialog__confirm').click();
    await lost.waitFor({ state: 'hidden' });
    await expect.poll(() => columnText('lost')).toEqual({ count: '1', sum: '¥100,000.00', weighted: '加权 ¥0.00' });
    expect(await columnText('negotiation')).toEqual({ count: '0', sum: '¥0.00', weighted: '加权 ¥0.00' });
    expect((await t.inspect.opportunities.findById(ids.big).lean())!).toMatchObject({ stage: 'lost', status: 'lost', lostReason: '选择竞品' });
  });

  it('shows the stage history with who, when and the time spent, and the reason it was lost', async () => {
    // as if it had spent two days and a bit in 初步接触
    await t.inspect.opportunities.updateOne({ _id: ids.big }, { $set: { 'history.1.spentMs': 2 * day + 5 * hour + 7 * minute } });
    await rep.goto(`/#/opportunities/${ids.big}`);
    await rep.locator('[data-test="history"]').waitFor();
    expect(await rep.locator('[data-test="opportunity-header"]').innerText()).toContain('输单');
    expect(await rep.locator('[data-test="opportunity-lost-reason"]').innerText()).toContain('选择竞品');
    const steps = rep.locator('[data-test="history"] .van-step');
    expect(await steps.count()).toBe(3);
    expect(await steps.nth(0).innerText()).toMatch(/商务谈判 → 输单[\s\S]*李娜/);
    expect(await steps.nth(1).innerText()).toMatch(/初步接触 → 商务谈判[\s\S]*李娜[\s\S]*在「初步接触」停留 2天5小时/);
    expect(await steps.nth(2).innerText()).toContain('新建于「初步接触」');
    await shot('opportunity-history');
  });

  it('edits an opportunity: title, amount and next step', async () => {
    await rep.goto(`/#/opportunities/${ids.small}`);
    await rep.locator('[data-test="edit-opportunity"]').click();
    const amount = rep.locator('[data-test="field-amount"] input');
    await expect.poll(() => amount.inputValue()).toBe('50000.00');
    await amount.fill('60000');
    await rep.locator('[data-test="field-title"] input').fill('教师培训平台（含一年服务）');
    await rep.locator('[data-test="save-opportunity"]').click();
    await rep.locator('[data-test="opportunity-header"]').filter({ hasText: '含一年服务' }).waitFor();
    expect(await rep.locator('[data-test="opportunity-amount"]').innerText()).toContain('¥60,000.00');
    expect((await t.inspect.opportunities.findById(ids.small).lean())!).toMatchObject({ amountFen: 6_000_000, version: 2 });
  });

  it('wins a third one (made from the kanban’s +) with 同时生成合同草稿 and lands on the new draft contract', async () => {
    await openBoard();
    await rep.locator('[data-test="new-opportunity"]').click();
    await rep.locator('[data-test="field-customer"]').click();
    const picker = rep.locator('[data-test="customer-picker"]');
    await picker.locator('.van-cell').filter({ hasText: customerName }).click();
    await picker.waitFor({ state: 'hidden' });
    expect(await rep.locator('[data-test="field-customer"] input').inputValue()).toBe(customerName);
    await rep.locator('[data-test="field-title"] input').fill('实验室设备更新');
    await rep.locator('[data-test="field-amount"] input').fill('30000');
    ids.third = await saveOpportunity();
    await rep.locator('[data-test="move-opportunity"]').click();
    await rep.locator('.van-action-sheet').waitFor();
    await rep.locator('.van-action-sheet__item').filter({ hasText: '赢单' }).click();
    const won = dialog('won-dialog');
    await won.waitFor();
    expect(await won.innerText()).toContain('「实验室设备更新」将标记为赢单');
    await won.locator('[data-test="create-contract"]').click();
    await shot('won-dialog');
    await won.locator('.van-dialog__confirm').click();

    await rep.waitForURL(/#\/contracts\/[0-9a-f]{24}$/);
    await rep.locator('[data-test="contract-header"]').waitFor();
    const contractId = idFrom(rep.url(), 'contracts');
    expect(await rep.locator('[data-test="contract-header"]').innerText()).toMatch(/实验室设备更新[\s\S]*草稿/);
    expect(await rep.locator('[data-test="contract-amount"]').innerText()).toContain('¥30,000.00');
    await rep.locator('[data-test="contract-opportunity"]').waitFor();
    await won.waitFor({ state: 'hidden' });
    await shot('won-contract-draft');
    const opportunity = (await t.inspect.opportunities.findById(ids.third).lean())!;
    expect(opportunity).toMatchObject({ status: 'won', stage: 'won' });
    expect(opportunity.contractId?.toHexString()).toBe(contractId);
    expect((await t.inspect.contracts.findById(contractId).lean())!).toMatchObject({ status: 'draft', amountFen: 3_000_000 });

    await openBoard();
    expect(await columnText('won')).toEqual({ count: '1', sum: '¥30,000.00', weighted: '加权 ¥30,000.00' });
  });

  it('records a partial payment on the approved contract, and the outstanding amount follows', async () => {
    await rep.goto(`/#/contracts/${approved.contractId}`);
    await rep.locator('[data-test="contract-header"] [data-test="status-approved"]').waitFor();
    expect(await rep.locator('[data-test="instalment-1"] [data-test="instalment-outstanding"]').innerText()).toBe('未回款 ¥50,000.00');
    expect(await rep.locator('[data-test="payments"]').innerText()).toContain('还没有回款');
    expect(await rep.locator('[data-test="edit-contract"]').count()).toBe(0); // approved: not editable, but run by its owner

    await rep.locator('[data-test="record-payment-1"]').click();
    const form = rep.locator('[data-test="payment-form"]');
    await form.waitFor();
    expect(await form.locator('[data-test="payment-amount"] input').inputValue()).toBe('50000.00'); // the outstanding amount
    expect(await form.locator('[data-test="payment-date"] input').inputValue()).toBe(shanghaiDay());
    expect(await form.locator('[data-test="payment-method"] input').inputValue()).toBe('银行转账');
    await form.locator('[data-test="payment-amount"] input').fill('20000');
    await form.locator('[data-test="payment-note"] input').fill('首期部分款');
    await shot('payment-form');
    await form.locator('[data-test="save-payment"]').click();
    await toast('回款已登记').waitFor();
    await expect.poll(() => rep.locator('[data-test="instalment-1"] [data-test="instalment-outstanding"]').innerText()).toBe('未回款 ¥30,000.00');
    expect(await rep.locator('[data-test="instalment-1"] [data-test="instalment-received"]').innerText()).toBe('已回款 ¥20,000.00');
    expect(await rep.locator('[data-test="contract-outstanding"]').innerText()).toContain('¥60,000.00');
    expect(await rep.locator('[data-test="contract-header"]').innerText()).toContain('执行中'); // money in: under way
    // the contract and its payments load separately: wait for the list as well
    await expect.poll(() => rep.locator('[data-test="payments"]').innerText()).toMatch(/¥20,000\.00 · 银行转账[\s\S]*第 1 期 · 李娜 登记 · 首期部分款/);
    await form.waitFor({ state: 'hidden' });
    await shot('payment-recorded');
    expect((await t.inspect.contracts.findById(approved.contractId).lean())!).toMatchObject({ status: 'active', receivedFen: 2_000_000 });
  });

  it('shows the server’s message when a payment is more than the instalment still owes', async () => {
    await rep.locator('[data-test="record-payment-1"]').click();
    const form = rep.locator('[data-test="payment-form"]');
    await form.waitFor();
    expect(await form.locator('[data-test="payment-amount"] input').inputValue()).toBe('30000.00');
    await form.locator('[data-test="payment-amount"] input').fill('40000');
    await form.locator('[data-test="save-payment"]').click();
    const message = form.locator('[data-test="payment-amount"] .van-field__error-message');
    await message.waitFor();
    expect(await message.innerText()).toBe('本期未回款 30000.00 元，本次 40000.00 元超出');
    await shot('payment-overpaid');
    expect((await t.inspect.contracts.findById(approved.contractId).lean())!.receivedFen).toBe(2_000_000);
    expect(await t.inspect.payments.countDocuments({ contractId: approved.contractId })).toBe(1);
    await rep.locator('.van-popup__close-icon').click();
    await form.waitFor({ state: 'hidden' });
  });

  it('asks why before terminating, and completes the active contract', async () => {
    await rep.locator('[data-test="terminate-contract"]').click();
    const terminate = dialog('terminate-dialog');
    await terminate.waitFor();
    await terminate.locator('.van-dialog__confirm').click();
    await terminate.locator('.van-field__error-message').waitFor();
    expect(await terminate.locator('.van-field__error-message').innerText()).toBe('终止合同需要填写原因');
    await terminate.locator('.van-dialog__cancel').click();
    await terminate.waitFor({ state: 'hidden' });

    await rep.locator('[data-test="complete-contract"]').click();
    await rep.locator('.van-dialog').filter({ hasText: '确认合同已履行完毕' }).locator('.van-dialog__confirm').click();
    await rep.locator('[data-test="contract-header"] [data-test="status-completed"]').waitFor();
    expect(await rep.locator('[data-test="complete-contract"]').count()).toBe(0);
    expect(await rep.locator('[data-test="record-payment-2"]').count()).toBe(0); // completed: no more payments
    expect((await t.inspect.contracts.findById(approved.contractId).lean())!.status).toBe('completed');
  });

  it('shows 本月目标 on Home with a bar for each target set', async () => {
    await rep.goto('/#/');
    await rep.reload();
    const targets = rep.locator('[data-test="targets"]');
    await targets.waitFor();
    expect(await rep.locator('[data-test="target-collectedFen"]').innerText()).toMatch(/回款金额\s*¥20,000\.00 \/ ¥100,000\.00[\s\S]*20%/);
    expect(await rep.locator('[data-test="target-signedFen"]').innerText()).toMatch(/签约金额\s*¥80,000\.00 \/ ¥200,000\.00[\s\S]*40%/);
    expect(await rep.locator('[data-test="target-newCustomers"]').innerText()).toMatch(/新增客户\s*1 \/ 5[\s\S]*20%/);
    expect(await rep.locator('[data-test="target-visits"]').innerText()).toContain('未设目标');
    expect(await targets.locator('.van-progress').count()).toBe(3);
    await targets.scrollIntoViewIfNeeded();
    await shot('home-targets');
  });
});
