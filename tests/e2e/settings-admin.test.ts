// 系统设置 in Chromium, as an admin. 我的 → 系统设置 opens the hub; 角色与权限 shows the matrix:
// unticking 客户·新建 for 销售 and saving makes the server refuse a rep's new customer (403), and
// ticking it again gives it back; a custom role 财务 is made as a copy of 销售 and its customer
// phones set to 隐藏. In 组织与用户 a rep gets that role (after which deleting the role is refused
// with the server's message), and another rep's work is handed over, with the counts shown.
// 平台连接 on the dev platform shows both platforms unconfigured, and their tests say so. An API
// token is shown once, with its warning, and works on the open API. A dictionary entry, the approval
// flow, a lead rule and a webhook (pinged at a receiver on loopback) are saved from their pages.
// A rep sees no 系统设置 at all.
// Screenshots go to tests/e2e/artifacts/settings-admin/.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { h5Root } from '../../server/src/core/http/h5-build.ts';
import { chromiumPath, hasChromium, launchBrowser } from '../helpers/browser.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { buildH5Once, screenshots, signIn } from './support.ts';

type Json = Record<string, any>;
const screenshot = screenshots('settings-admin');

if (!hasChromium) console.warn(`e2e skipped: no Chromium at ${chromiumPath} (apt-get install -y chromium)`);

describe.skipIf(!hasChromium)('admin settings in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let phone: BrowserContext;
  let admin: Page;
  const tokens = { admin: '', rep: '', south2: '' };
  let handedCustomer = '';
  /** a webhook receiver on loopback, answering 200 */
  let receiver: Server;
  let receiverUrl = '';
  const received: string[] = [];

  async function call(method: string, path: string, token: string, json?: unknown): Promise<{ status: number; body: Json }> {
    const response = await t.request(path, { method, token, ...(json !== undefined ? { json } : {}) });
    return { status: response.status, body: (await response.json().catch(() => null)) as Json };
  }

  const newCustomer = (token: string, name: string) =>
    call('POST', '/api/customers', token, { type: 'company', name, industry: '互联网', source: '转介绍', address: '文三路1号', region: { province: '浙江省', city: '杭州市' } });

  async function toast(page: Page, text: string) {
    await page.locator('.van-toast', { hasText: text }).last().waitFor();
  }

  /** Vant's popups and dialogs animate for 300 ms: pictures wait for them to settle */
  const settled = (page: Page) => page.waitForTimeout(350);

  async function openHub(page: Page, entry: string) {
    await page.goto('/#/me');
    await page.locator('[data-test="settings"]').click();
    await page.locator('[data-test="settings-hub"]').waitFor();
    await page.locator(`[data-test="settings-${entry}"]`).click();
  }

  beforeAll(async () => {
    await buildH5Once();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    t = await startTestApp({ h5DistDir: `${h5Root}/dist`, env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1' } });
    [tokens.admin, tokens.rep, tokens.south2] = await Promise.all([t.login('admin'), t.login('rep.east1'), t.login('rep.south2')]);
    const created = await newCustomer(tokens.south2, '广州华南物流有限公司');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    handedCustomer = created.body.id as string;
    browser = await launchBrowser();
    ({ context: phone, page: admin } = await signIn(browser, t.baseUrl, 'admin'));
  }, 180_000);

  afterAll(async () => {
    await phone?.close();
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  });

  it('does not offer 系统设置 to a rep', async () => {
    const { context, page } = await signIn(browser, t.baseUrl, 'rep.east1');
    try {
      await page.goto('/#/me');
      await page.locator('[data-test="approvals"]').waitFor();
      expect(await page.locator('[data-test="settings"]').count()).toBe(0);
      // nor by address: the settings pages send a non-admin back to 我的
      await page.goto('/#/settings/roles');
      await page.waitForURL(/#\/me$/);
      await screenshot(page, 'rep-me-without-settings');
    } finally {
      await context.close();
    }
  });

  it('opens the hub and the matrix of 销售', async () => {
    await openHub(admin, 'roles');
    await admin.waitForURL(/#\/settings\/roles$/);
    const rep = admin.locator('[data-test="role-rep"]');
    await rep.waitFor();
    expect(await rep.innerText()).toContain('销售');
    await screenshot(admin, 'roles');
    await rep.click();
    await admin.waitForURL(/#\/settings\/roles\/rep$/);
    await admin.locator('[data-test="perm-matrix"]').waitFor();
    expect(await admin.locator('[data-test="perm-customer.create"]').getAttribute('aria-checked')).toBe('true');
    expect(await admin.locator('[data-test="perm-customer.delete"]').getAttribute('aria-checked')).toBe('false');
    expect(await admin.locator('[data-test="perm-resource-customer"]').innerText()).toContain('新建');
    expect(await admin.locator('[data-test="field-customer.phones"]').innerText()).toContain('仅负责人可见');
    await screenshot(admin, 'rep-matrix');
  });

  it('unticks 客户·新建 for 销售: the server refuses a rep’s new customer, and accepts it once ticked again', async () => {
    await admin.locator('[data-test="perm-customer.create"]').click();
    expect(await admin.locator('[data-test="perm-customer.create"]').getAttribute('aria-checked')).toBe('false');
    await admin.locator('[data-test="role-save"]').click();
    await toast(admin, '已保存');
    const refused = await newCustomer(tokens.rep, '杭州未建成科技有限公司');
    expect(refused.status, JSON.stringify(refused.body)).toBe(403);
    expect(refused.body.error.code).toBeTruthy();
    // the history says what changed
    await admin.locator('[data-test="role-history"]', { hasText: '客户·新建' }).waitFor();
    await admin.locator('[data-test="role-history"]').scrollIntoViewIfNeeded();
    await screenshot(admin, 'rep-without-create');

    await admin.locator('[data-test="perm-customer.create"]').click();
    await admin.locator('[data-test="role-save"]').click();
    await toast(admin, '已保存');
    const accepted = await newCustomer(tokens.rep, '杭州又能新建科技有限公司');
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  });

  it('creates the custom role 财务 as a copy of 销售 and hides customer phones from it', async () => {
    await admin.goto('/#/settings/roles');
    await admin.locator('[data-test="role-new"]').click();
    const form = admin.locator('[data-test="role-create"]');
    await form.locator('[data-test="role-new-key"] input').fill('finance');
    await form.locator('[data-test="role-new-zh"] input').fill('财务');
    await form.locator('[data-test="role-new-en"] input').fill('Finance');
    await form.locator('[data-test="role-copy-rep"]').click();
    await settled(admin);
    await screenshot(admin, 'new-role');
    await form.locator('[data-test="role-new-submit"]').click();
    await admin.waitForURL(/#\/settings\/roles\/finance$/);
    await admin.locator('[data-test="perm-matrix"]').waitFor();
    // a copy of 销售
    expect(await admin.locator('[data-test="perm-customer.create"]').getAttribute('aria-checked')).toBe('true');
    expect(await admin.locator('[data-test="field-customer.phones"]').innerText()).toContain('仅负责人可见');

    await admin.locator('[data-test="field-customer.phones"]').click();
    await admin.locator('.van-action-sheet__item', { hasText: '隐藏' }).click();
    expect(await admin.locator('[data-test="field-customer.phones"]').innerText()).toContain('隐藏');
    await admin.locator('[data-test="scope-department"]').click();
    await admin.locator('[data-test="role-save"]').click();
    await toast(admin, '已保存');
    await screenshot(admin, 'finance-field-rule');

    const roles = (await call('GET', '/api/roles', tokens.admin)).body.items as Json[];
    const finance = roles.find((r) => r.key === 'finance')!;
    expect(finance).toMatchObject({ builtIn: false, name: { zh: '财务', en: 'Finance' }, dataScope: 'department' });
    expect(finance.fieldRules['customer.phones']).toBe('hidden');
    expect(finance.permissions).toContain('customer.create');
  });

  it('gives rep.south3 the role 财务 in 组织与用户, after which the role cannot be deleted', async () => {
    await openHub(admin, 'org');
    await admin.waitForURL(/#\/settings\/org$/);
    const user = admin.locator('[data-test="org-user-rep.south3"]');
    await user.waitFor();
    await user.click();
    const editor = admin.locator('[data-test="org-user-editor"]');
    await editor.waitFor();
    // a local (not synced) user: everything is editable
    expect(await editor.locator('[data-test="org-user-name"] input').isDisabled()).toBe(false);
    await editor.locator('[data-test="org-user-role"]').click();
    await admin.locator('[data-test="role-option-finance"]').click();
    expect(await editor.locator('[data-test="org-user-role"]').innerText()).toContain('财务');
    await settled(admin);
    await screenshot(admin, 'user-editor');
    await editor.locator('[data-test="org-user-save"]').click();
    await toast(admin, '已保存');
    await admin.locator('[data-test="org-user-rep.south3"]', { hasText: '财务' }).waitFor();
    const users = (await call('GET', '/api/org/users', tokens.admin)).body.items as Json[];
    expect(users.find((u) => u.login === 'rep.south3')!.role).toBe('finance');

    // someone holds it now: the server refuses, and the page shows its message
    await admin.goto('/#/settings/roles/finance');
    await admin.locator('[data-test="role-delete"]').click();
    await admin.locator('.van-dialog', { hasText: '删除角色“财务”？' }).locator('.van-dialog__confirm').click();
    const refusal = admin.locator('.van-dialog', { hasText: '仍有 1 位用户使用此角色' });
    await refusal.waitFor();
    await settled(admin);
    await screenshot(admin, 'role-in-use');
    await refusal.locator('.van-dialog__confirm').click();
    expect((await call('GET', '/api/roles', tokens.admin)).body.items.some((r: Json) => r.key === 'finance')).toBe(true);
  });

  it('hands rep.south2’s work over to rep.south1 and shows what moved', async () => {
    await admin.goto('/#/settings/org');
    await admin.locator('[data-test="org-user-rep.south2"]').click();
    const editor = admin.locator('[data-test="org-user-editor"]');
    await editor.locator('[data-test="org-user-handover"]').click();
    const picker = admin.locator('[data-test="handover-picker"]');
    await picker.locator('[data-test="handover-search"] input').fill('杨丽');
    await picker.locator('[data-test="handover-to-rep.south1"]').click();
    const confirm = admin.locator('.van-dialog', { hasText: '交接给' });
    await confirm.waitFor();
    expect(await confirm.innerText()).toContain('把赵磊的客户、合同、商机、工单和待审批交接给杨丽');
    await confirm.locator('.van-dialog__confirm').click();
    const result = admin.locator('[data-test="handover-result"]');
    await result.locator('[data-test="moved-customers"]').waitFor();
    expect(await result.locator('[data-test="moved-customers"]').innerText()).toMatch(/1\s*客户/);
    expect(await result.locator('[data-test="moved-contracts"]').innerText()).toMatch(/0\s*合同/);
    expect(await result.locator('[data-test="moved-approvals"]').innerText()).toMatch(/0\s*待审批/);
    await settled(admin);
    await screenshot(admin, 'handover-result');
    await result.locator('.van-dialog__confirm').click();

    const users = (await call('GET', '/api/org/users', tokens.admin)).body.items as Json[];
    const moved = await call('GET', `/api/customers/${handedCustomer}`, tokens.admin);
    expect(moved.body.owner?.id ?? moved.body.ownerId).toBe(users.find((u) => u.login === 'rep.south1')!.id);
  });

  it('shows both chat platforms unconfigured on the dev platform, and says so when tested', async () => {
    await openHub(admin, 'platforms');
    await admin.waitForURL(/#\/settings\/platforms$/);
    for (const platform of ['wecom', 'dingtalk']) {
      const card = admin.locator(`[data-test="platform-${platform}"]`);
      await card.waitFor();
      expect(await card.locator('[data-test="configured"]').innerText()).toBe('未配置');
      await card.locator(`[data-test="test-${platform}"]`).click();
      const result = card.locator(`[data-test="test-result-${platform}"]`);
      await result.waitFor();
      expect(await result.innerText()).toContain('未配置');
    }
    expect(await admin.locator('[data-test="card-platform"]').innerText()).toContain('开发模式');
    await admin.locator('[data-test="card-platform"]').scrollIntoViewIfNeeded();
    await screenshot(admin, 'platforms');
  });

  it('shows a new API token once, with its warning, and the token works on the open API', async () => {
    await openHub(admin, 'apiTokens');
    await admin.locator('[data-test="token-new"]').click();
    const form = admin.locator('[data-test="token-create"]');
    await form.locator('[data-test="token-name"] input').fill('ERP 同步');
    await form.locator('[data-test="token-owner"], [data-test="token-role"]').click();
    await admin.locator('[data-test="token-role-admin"]').click();
    await form.locator('[data-test="token-perm-customers-read"]').click();
    await form.locator('[data-test="token-submit"]').click();
    const dialog = admin.locator('[data-test="secret-once"]');
    await dialog.locator('[data-test="secret-value"]').waitFor();
    const token = (await dialog.locator('[data-test="secret-value"]').innerText()).trim();
    expect(token.length).toBeGreaterThan(20);
    expect(await dialog.locator('[data-test="secret-warning"]').innerText()).toContain('无法再次查看');
    await dialog.locator('[data-test="secret-copy"]').click();
    await admin.locator('.van-toast', { hasText: /已复制|无法自动复制/ }).waitFor();
    await settled(admin);
    await screenshot(admin, 'token-once');
    await dialog.locator('.van-dialog__confirm').click();
    // once closed, the page holds no more than the token's hint
    expect(await admin.locator('body').innerText()).not.toContain(token);
    const v1 = await t.request('/api/v1/customers', { token });
    expect(v1.status).toBe(200);
  });

  it('adds a dictionary entry, renames an approval step and adds a lead rule', async () => {
    await openHub(admin, 'dictionaries');
    await admin.locator('[data-test="dict-industry"]').click();
    await admin.waitForURL(/#\/settings\/dictionaries\/industry$/);
    await admin.locator('[data-test="dict-add"]').click();
    const entry = admin.locator('[data-test^="dict-row-"]').last();
    await entry.locator('[data-test="dict-entry-zh"] input').fill('低空经济');
    await entry.locator('[data-test="dict-entry-en"] input').fill('Low-altitude economy');
    await admin.locator('[data-test="dict-save"]').click();
    await toast(admin, '已保存');
    await screenshot(admin, 'dictionary');
    const industry = (await call('GET', '/api/dictionaries/industry', tokens.admin)).body;
    expect(industry.entries.find((e: Json) => e.value === '低空经济')).toMatchObject({ label: { zh: '低空经济', en: 'Low-altitude economy' }, active: true });

    await openHub(admin, 'approvalFlow');
    const firstStep = admin.locator('[data-test="flow-step-0-0"]');
    await firstStep.locator('[data-test="flow-step-name"] input').fill('主管审批');
    await admin.locator('[data-test="flow-save"]').click();
    await toast(admin, '已保存');
    await screenshot(admin, 'approval-flow');
    expect((await call('GET', '/api/approval-flow', tokens.admin)).body.bands[0].steps[0].name).toBe('主管审批');

    await openHub(admin, 'leadRules');
    await admin.locator('[data-test="lead-rule-add"]').click();
    const rule = admin.locator('[data-test="lead-rule-0"]');
    await rule.locator('[data-test="lead-rule-name"] input').fill('华东线索');
    await rule.locator('[data-test="lead-rule-department"]').click();
    await admin.locator('.van-popup .van-cell', { hasText: '华东大区' }).click();
    await admin.locator('[data-test="lead-rules-save"]').click();
    await toast(admin, '已保存');
    await screenshot(admin, 'lead-rules');
    const departments = (await call('GET', '/api/org/departments', tokens.admin)).body.items as Json[];
    const rules = (await call('GET', '/api/lead-rules', tokens.admin)).body.rules as Json[];
    expect(rules).toEqual([expect.objectContaining({ name: '华东线索', departmentId: departments.find((d) => d.name === '华东大区')!.id })]);
  });

  it('subscribes a webhook, shows its signing secret once, and pings the receiver', async () => {
    await openHub(admin, 'webhooks');
    await admin.locator('[data-test="webhook-new"]').click();
    const form = admin.locator('[data-test="webhook-create"]');
    await form.locator('[data-test="webhook-url"] input').fill(receiverUrl);
    await form.locator('[data-test="webhook-event-customer.created"]').click();
    await form.locator('[data-test="webhook-submit"]').click();
    const dialog = admin.locator('[data-test="secret-once"]');
    await dialog.locator('[data-test="secret-value"]').waitFor();
    expect((await dialog.locator('[data-test="secret-value"]').innerText()).trim().length).toBeGreaterThanOrEqual(16);
    expect(await dialog.locator('[data-test="secret-warning"]').innerText()).toContain('无法再次查看');
    await dialog.locator('.van-dialog__confirm').click();

    const hooks = (await call('GET', '/api/webhooks', tokens.admin)).body.items as Json[];
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ url: receiverUrl, events: ['customer.created'], active: true });
    await admin.locator(`[data-test="webhook-${hooks[0]!.id}"]`).click();
    await admin.locator('[data-test="webhook-ping"]').click();
    await toast(admin, '已送达');
    await admin.locator('[data-test="webhook-deliveries"]', { hasText: '测试' }).waitFor();
    expect(received.some((body) => body.includes('"ping"'))).toBe(true);
    await screenshot(admin, 'webhook');
  });
});
