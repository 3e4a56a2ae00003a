// Contracts and their approval in Chromium, as three people on three phones: a rep drafts a
// 150,000.00 contract in the H5 form and submits it, the manager and then the director approve it
// from the cards in Messages, and the rep gets the result card and sees the contract approved.
// A card's 驳回 opens the request with the comment asked for, and a decision that comes too late
// shows the server's message and the request as it now stands. Screenshots go to
// tests/e2e/artifacts/contract-approval/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('contract-approval');
const customerName = '宁波甬江智慧教育科技有限公司';

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('contracts and approvals in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  const phones: BrowserContext[] = [];
  let rep: Page;
  let manager: Page;
  let repToken = '';
  let customerId = '';
  let contractId = '';
  let approvalId = '';
  let number = '';
  let rejected = { contractId: '', number: '', approvalId: '' };

  const phone = async (login: string) => {
    const { context, page } = await signIn(browser, t.baseUrl, login);
    phones.push(context);
    return page;
  };

  /** A contract drafted and submitted through the API, for the checks that need one more. */
  async function submitted(title: string, amount: string) {
    const created = await t.request('/api/contracts', { method: 'POST', token: repToken, json: { customerId, title, amount, plan: [{ dueOn: '2027-03-31', amount }] } });
    expect(created.status).toBe(201);
    const contract = (await created.json()) as Json;
    const submit = await t.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token: repToken });
    expect(submit.status).toBe(201);
    return { contractId: contract.id as string, number: contract.number as string, approvalId: ((await submit.json()) as Json).id as string };
  }

  /** The Messages tab as it is now (going to the same hash again would not load it afresh). */
  async function messages(page: Page) {
    await page.goto('/#/messages');
    await page.reload();
  }

  const approvalCard = (page: Page, contractNumber: string) => page.locator('[data-test="card-contractApproval"]').filter({ hasText: contractNumber });

  beforeAll(async () => {
    await buildH5Once();
    t = await startTestApp({ h5DistDir: `${h5Root}/dist` });
    repToken = await t.login('rep.east1');
    const response = await t.request('/api/customers', { method: 'POST', token: repToken, json: { type: 'company', name: customerName, industry: '教育', source: '官网' } });
    expect(response.status).toBe(201);
    customerId = ((await response.json()) as Json).id;
    browser = await launchBrowser();
    rep = await phone('rep.east1');
  }, 180_000);

  afterAll(async () => {
    for (const context of phones) await context.close();
    await browser?.close();
    await t?.close();
  });

  it('lets rep.east1 draft a 150,000.00 contract with a one-instalment plan and submit it', async () => {
    await rep.goto(`/#/customers/${customerId}`);
    await rep.locator('[data-test="detail-header"]').waitFor();
    expect(await rep.locator('[data-test="contracts"]').innerText()).toContain('还没有合同');
    await rep.locator('[data-test="new-contract"]').click();
    await rep.locator('[data-test="field-title"] input').waitFor();
    expect(await rep.locator('[data-test="contract-customer"]').innerText()).toContain(customerName);
    await rep.locator('[data-test="field-title"] input').fill('智慧教室设备采购合同');
    await rep.locator('[data-test="field-amount"] input').fill('150000.00');

    // the first instalment takes the whole amount; the form says when the plan and the amount differ
    await rep.locator('[data-test="add-instalment"]').click();
    const row = rep.locator('[data-test="plan-row-0"]');
    expect(await row.locator('[data-test="plan-amount"] input').inputValue()).toBe('150000.00');
    await row.locator('[data-test="plan-amount"] input').fill('100000');
    await expect.poll(() => rep.locator('[data-test="plan-check"]').innerText()).toBe('回款计划合计与合同金额不一致，还差 ¥50,000.00');
    await screenshot(rep, 'contract-form-plan-short');
    await row.locator('[data-test="plan-amount"] input').fill('150000.00');
    await expect.poll(() => rep.locator('[data-test="plan-check"]').innerText()).toBe('回款计划合计与合同金额一致');
    expect(await rep.locator('[data-test="plan-sum"]').innerText()).toBe('计划合计 ¥150,000.00，合同金额 ¥150,000.00');
    await row.locator('[data-test="plan-due"]').click();
    await rep.locator('.van-picker__confirm').click();
    expect(await row.locator('[data-test="plan-due"] input').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await screenshot(rep, 'contract-form');

    await rep.locator('[data-test="save-contract"]').click();
    await rep.locator('[data-test="contract-header"]').waitFor();
    contractId = rep.url().split('/contracts/')[1]!.split(/[/?]/)[0]!;
    expect(await rep.locator('[data-test="contract-header"]').innerText()).toContain('草稿');
    expect(await rep.locator('[data-test="contract-amount"]').innerText()).toContain('¥150,000.00');
    expect(await rep.locator('[data-test="instalment-1"]').innerText()).toContain('¥150,000.00');

    await rep.locator('[data-test="submit-contract"]').click();
    await rep.locator('.van-dialog__confirm').click(); // 提交后合同进入审批…
    await rep.locator('[data-test="contract-header"] [data-test="status-pending"]').waitFor();
    expect(await rep.locator('[data-test="contract-header"]').innerText()).toContain('审批中');
    const trail = rep.locator('[data-test^="trail-"]');
    expect(await trail.innerText()).toMatch(/经理审批[\s\S]*张伟[\s\S]*总监审批[\s\S]*孙浩/);
    expect(await rep.locator('[data-test="edit-contract"]').count()).toBe(0); // pending: not editable
    await rep.locator('.van-dialog').waitFor({ state: 'hidden' });
    await screenshot(rep, 'contract-submitted');

    const contract = (await t.inspect.contracts.findById(contractId).lean())!;
    expect(contract).toMatchObject({ status: 'pending', amountFen: 15_000_000, title: '智慧教室设备采购合同' });
    expect(contract.plan.map((p) => p.amountFen)).toEqual([15_000_000]);
    number = contract.number;
    approvalId = contract.approvalId!.toHexString();

    // the submitter may take it back while it is pending, and may not decide it
    await trail.locator('.van-cell').first().click();
    await rep.locator('[data-test="approval-header"]').waitFor();
    expect(rep.url()).toContain(`/approvals/${approvalId}`);
    await rep.locator('[data-test="withdraw"]').waitFor();
    expect(await rep.locator('[data-test="approve"]').count()).toBe(0);
  });

  it('lets manager.east approve it with the 同意 button of the card in Messages', async () => {
    manager = await phone('manager.east');
    await messages(manager);
    const card = approvalCard(manager, number);
    await card.waitFor();
    const text = await card.innerText();
    for (const part of ['合同审批', '李娜', customerName, '经理审批']) expect(text).toContain(part);
    await screenshot(manager, 'manager-approval-card');
    await card.locator('[data-test="card-button-approve"]').click();
    await card.locator('[data-test="card-outcome"]').waitFor();
    expect(await card.locator('[data-test="card-outcome"]').innerText()).toBe('已同意 · 张伟');
  });

  it('lets the director find it under 审批 on the Me page and approve it from the card', async () => {
    const director = await phone('director');
    await director.goto('/#/me');
    await director.locator('[data-test="approvals-todo"]').waitFor();
    expect(await director.locator('[data-test="approvals-todo"]').innerText()).toBe('1');
    await director.locator('[data-test="approvals"]').click();
    const row = director.locator(`[data-test="approval-${approvalId}"]`);
    await row.waitFor();
    const text = await row.innerText();
    for (const part of [number, customerName, '¥150,000.00', '李娜', '审批中']) expect(text).toContain(part);
    await screenshot(director, 'director-approvals');

    await messages(director);
    const card = approvalCard(director, number);
    await card.waitFor();
    expect(await card.innerText()).toContain('总监审批');
    await card.locator('[data-test="card-button-approve"]').click();
    await card.locator('[data-test="card-outcome"]').waitFor();
    expect(await card.locator('[data-test="card-outcome"]').innerText()).toBe('已同意 · 孙浩');
  });

  it('tells rep.east1 in Messages, and the contract page shows it approved (已审批)', async () => {
    await messages(rep);
    const card = rep.locator('[data-test="card-approvalResult"]').filter({ hasText: number });
    await card.waitFor();
    expect(await card.innerText()).toContain(`合同 ${number} 已通过（孙浩）`);
    await screenshot(rep, 'result-card');
    await card.locator('.card__head').click();
    await rep.locator('[data-test="contract-header"] [data-test="status-approved"]').waitFor();
    expect(rep.url()).toContain(`/contracts/${contractId}`);
    expect(await rep.locator('[data-test="contract-header"]').innerText()).toContain('已审批');
    const trail = await rep.locator(`[data-test="trail-${approvalId}"]`).innerText();
    expect(trail).toContain('已通过');
    expect(trail).toMatch(/张伟\s*同意[\s\S]*孙浩\s*同意/);
    await screenshot(rep, 'contract-approved');
    expect((await t.inspect.contracts.findById(contractId).lean())!.status).toBe('approved');

    await rep.goto(`/#/customers/${customerId}`);
    const listed = rep.locator(`[data-test="contract-${contractId}"]`);
    await listed.waitFor();
    expect(await listed.innerText()).toMatch(/智慧教室设备采购合同[\s\S]*已审批/);
  });

  it('opens the request with the comment dialog when manager.east presses 驳回 on a card, and wants a comment', async () => {
    const second = await submitted('教学平板补充采购', '18000.00');
    rejected = second;
    await messages(manager);
    const card = approvalCard(manager, second.number);
    await card.waitFor();
    await card.locator('[data-test="card-link-1"]').click(); // 驳回
    const dialog = manager.locator('[data-test="decision-dialog-reject"]');
    await dialog.waitFor();
    expect(manager.url()).toContain(`/approvals/${second.approvalId}?decide=reject`);
    await screenshot(manager, 'reject-dialog');

    // no comment: the server's own message, and the dialog stays open
    await manager.locator('.van-dialog__confirm').click();
    const fieldError = dialog.locator('.van-field__error-message');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).toBe('驳回时请填写意见');
    await screenshot(manager, 'reject-needs-comment');

    await dialog.locator('textarea').fill('单价高于框架协议，请重新报价');
    await manager.locator('.van-dialog__confirm').click();
    await manager.locator('[data-test="approval-header"] [data-test="status-rejected"]').waitFor();
    expect(await manager.locator('[data-test="decision-reject"]').innerText()).toContain('单价高于框架协议，请重新报价');
    expect(await manager.locator('[data-test="reject"]').count()).toBe(0);
    await dialog.waitFor({ state: 'hidden' });
    await screenshot(manager, 'rejected');
    expect((await t.inspect.contracts.findById(second.contractId).lean())!.status).toBe('rejected');
  });

  it('shows the server’s message and the current state when a decision comes too late', async () => {
    const third = await submitted('教师培训服务合同', '20000.00');
    await manager.goto('/#/approvals');
    const row = manager.locator(`[data-test="approval-${third.approvalId}"]`);
    await row.waitFor();
    await row.click();
    await manager.locator('[data-test="approve"]').click();
    await manager.locator('[data-test="decision-dialog-approve"]').waitFor();

    // meanwhile the same manager presses 同意 on the card in chat
    const managerToken = await t.login('manager.east');
    const outbox = (await (await t.request('/api/dev/outbox', { token: managerToken })).json()) as Json;
    const entry = (outbox.items as Json[]).find((i) => i.cardId.startsWith(`apv-${third.approvalId}-`))!;
    expect((await t.request(`/api/dev/outbox/${entry.id}/action`, { method: 'POST', token: managerToken, json: { action: 'approve' } })).status).toBe(200);

    await manager.locator('.van-dialog__confirm').click();
    await manager.locator('.van-toast').filter({ hasText: '该审批已处理或已撤回' }).waitFor();
    await manager.locator('[data-test="approval-header"] [data-test="status-approved"]').waitFor();
    expect(await manager.locator('[data-test="approve"]').count()).toBe(0);
    expect(await manager.locator('[data-test="decision-approve"]').innerText()).toContain('消息卡片');
    await manager.locator('[data-test="decision-dialog-approve"]').waitFor({ state: 'hidden' });
    await screenshot(manager, 'stale-decision');
  });

  it('lets rep.east1 edit the rejected contract and submit it again', async () => {
    await rep.goto(`/#/contracts/${rejected.contractId}`);
    await rep.locator('[data-test="contract-header"] [data-test="status-rejected"]').waitFor();
    expect(await rep.locator(`[data-test="trail-${rejected.approvalId}"]`).innerText()).toContain('单价高于框架协议，请重新报价');
    await rep.locator('[data-test="edit-contract"]').click();
    const title = rep.locator('[data-test="field-title"] input');
    await expect.poll(() => title.inputValue()).toBe('教学平板补充采购');
    expect(await rep.locator('[data-test="field-amount"] input').inputValue()).toBe('18000.00');
    expect(await rep.locator('[data-test="plan-row-0"] [data-test="plan-due"] input').inputValue()).toBe('2027-03-31');
    await title.fill('教学平板补充采购（按框架协议价）');
    await rep.locator('[data-test="field-amount"] input').fill('16000');
    await rep.locator('[data-test="plan-row-0"] [data-test="plan-amount"] input').fill('16000');
    await rep.locator('[data-test="save-contract"]').click();
    await rep.locator('[data-test="contract-header"]').filter({ hasText: '按框架协议价' }).waitFor();
    expect(await rep.locator('[data-test="contract-amount"]').innerText()).toContain('¥16,000.00');
    await rep.locator('[data-test="submit-contract"]').click();
    await rep.locator('.van-dialog__confirm').click();
    await rep.locator('[data-test="contract-header"] [data-test="status-pending"]').waitFor();
    expect(await rep.locator('[data-test^="trail-"]').count()).toBe(2); // the new request, and the rejected one below it
    await rep.locator('.van-dialog').waitFor({ state: 'hidden' });
    await screenshot(rep, 'resubmitted');
    expect((await t.inspect.contracts.findById(rejected.contractId).lean())!).toMatchObject({ status: 'pending', amountFen: 1_600_000, title: '教学平板补充采购（按框架协议价）' });
  });
});
