// Contracts and their approval in the dev platform: money without float error, payment plans that
// add up, the three amount bands routed through the demo organisation, decisions from cards and
// from the app that act once under concurrency, stale cards, withdraw and resubmit, and scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let eastCustomer = '';
let southCustomer = '';

beforeAll(async () => {
  t = await startTestApp();
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
  const make = async (login: DemoLogin, name: string) =>
    ((await (await t.request('/api/customers', { method: 'POST', token: tokens[login], json: { type: 'company', name, industry: '教育', source: '官网' } })).json()) as Json).id as string;
  eastCustomer = await make('rep.east1', '合同测试华东机械有限公司');
  southCustomer = await make('rep.south1', '合同测试华南电子有限公司');
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);

async function draft(login: DemoLogin, customerId: string, amount: string, plan?: { dueOn: string; amount: string }[]) {
  const created = await call(login, '/api/contracts', {
    method: 'POST',
    json: { customerId, title: `设备采购 ${amount}`, amount, signedOn: '2026-11-20', startOn: '2026-12-01', endOn: '2027-11-30', plan: plan ?? [{ dueOn: '2026-12-31', amount }] },
  });
  expect(created.status).toBe(201);
  return created.body;
}

const outbox = async (login: DemoLogin) => ((await call(login, '/api/dev/outbox')).body.items as Json[]);
const cardFor = async (login: DemoLogin, approvalId: string) => (await outbox(login)).find((i) => i.cardId.startsWith(`apv-${approvalId}-`));
const press = (login: DemoLogin, outboxId: string, action = 'approve') => call(login, `/api/dev/outbox/${outboxId}/action`, { method: 'POST', json: { action } });

describe('contracts', () => {
  it('keeps money exact, numbers each contract, and refuses a plan that does not add up', async () => {
    const contract = await draft('rep.east1', eastCustomer, '¥1,000.30', [
      { dueOn: '2027-01-31', amount: '0.10' },
      { dueOn: '2026-12-31', amount: '0.20' },
      { dueOn: '2027-02-28', amount: '1000' },
    ]);
    expect(contract).toMatchObject({ amountFen: 100030, amount: '1000.30', status: 'draft', owner: { id: ids['rep.east1'] }, canEdit: true });
    expect(contract.number).toMatch(/^HT\d{8}\d{4}$/);
    expect(contract.plan.map((p: Json) => [p.no, p.dueOn, p.amountFen])).toEqual([
      [1, '2026-12-31', 20],
      [2, '2027-01-31', 10],
      [3, '2027-02-28', 100000],
    ]);
    const second = await draft('rep.east1', eastCustomer, '10');
    expect(second.number).not.toBe(contract.number);

    const bad = await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: eastCustomer, title: '对不上', amount: '100', plan: [{ dueOn: '2026-12-01', amount: '60' }, { dueOn: '2027-01-01', amount: '30' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe('回款计划合计 90.00 元，与合同金额 100.00 元不一致');
    for (const amount of ['-5', '12.345', 'abc']) {
      expect((await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: eastCustomer, title: 'x', amount } })).status).toBe(400);
    }
    expect(await t.inspect.contracts.countDocuments({ title: { $in: ['对不上', 'x'] } })).toBe(0);
  });

  it('lets the owner and the managers above edit a draft, and nobody outside the team see it', async () => {
    const contract = await draft('rep.east1', eastCustomer, '2000');
    const edited = await call('manager.east', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: contract.version, title: '经理改过的标题' } });
    expect(edited.status).toBe(200);
    expect((await call('rep.east1', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: contract.version, title: '过期版本' } })).status).toBe(409);
    for (const login of ['rep.east2', 'manager.south', 'rep.south1', 'service1'] as const) {
      expect((await call(login, `/api/contracts/${contract.id}`)).status).toBe(404);
      expect((await call(login, '/api/contracts?limit=100')).body.items.map((c: Json) => c.id)).not.toContain(contract.id);
    }
    for (const login of ['manager.east', 'director', 'admin'] as const) expect((await call(login, `/api/contracts/${contract.id}`)).status).toBe(200);
    expect((await call('rep.east2', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: 2, title: '越权' } })).status).toBe(404);
    // a contract for a customer the rep cannot see is refused as if the customer did not exist
    expect((await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: southCustomer, title: 'x', amount: '1' } })).status).toBe(404);
  });

  it('routes each amount band to the right people of the demo organisation', async () => {
    const route = async (login: DemoLogin, customer: string, amount: string) => {
      const contract = await draft(login, customer, amount);
      const submitted = await call(login, `/api/contracts/${contract.id}/submit`, { method: 'POST' });
      expect(submitted.status).toBe(201);
      return submitted.body.steps.map((s: Json) => [s.name, s.approvers.map((a: Json) => a.id)]);
    };
    expect(await route('rep.east1', eastCustomer, '50000')).toEqual([['经理审批', [ids['manager.east']]]]);
    expect(await route('rep.east1', eastCustomer, '150000')).toEqual([
      ['经理审批', [ids['manager.east']]],
      ['总监审批', [ids.director]],
    ]);
    expect(await route('rep.east1', eastCustomer, '1500000')).toEqual([
      ['经理审批', [ids['manager.east']]],
      ['总监审批', [ids.director]],
      ['财务审批', [ids.admin]],
    ]);
    expect(await route('rep.south1', southCustomer, '50000')).toEqual([['经理审批', [ids['manager.south']]]]);
    // a manager's own contract goes to the next manager up, never to themselves
    const own = await call('manager.east', '/api/customers', { method: 'POST', json: { type: 'company', name: '经理自己的客户有限公司', industry: '教育', source: '官网' } });
    expect(await route('manager.east', own.body.id, '50000')).toEqual([['经理审批', [ids.director]]]);
  });

  it('runs a 150,000 contract through manager and director from the cards, and tells the submitter', async () => {
    const contract = await draft('rep.east1', eastCustomer, '150000');
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    expect((await call('rep.east1', `/api/contracts/${contract.id}`)).body.status).toBe('pending');
    expect((await call('rep.east1', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: 2, title: '审批中修改' } })).status).toBe(409);
    // the director's card comes only once the manager has approved
    expect(await cardFor('director', approval.id)).toBeUndefined();
    expect((await call('director', `/api/approvals?box=todo`)).body.items.map((a: Json) => a.id)).not.toContain(approval.id);

    const managerCard = (await cardFor('manager.east', approval.id))!;
    expect(managerCard.view).toMatchObject({ title: '合同审批', path: `/approvals/${approval.id}` });
    expect(managerCard.view.buttons.map((b: Json) => [b.action, b.path ?? null])).toEqual([
      ['approve', null],
      ['open', `/approvals/${approval.id}?decide=reject`],
    ]);
    expect((await press('manager.east', managerCard.id)).body.result).toBe('handled');
    expect((await cardFor('manager.east', approval.id))!.outcome).toEqual({ text: '已同意 · 张伟' });

    const directorCard = (await cardFor('director', approval.id))!;
    expect((await call('director', `/api/approvals?box=todo`)).body.items.map((a: Json) => a.id)).toContain(approval.id);
    expect((await press('director', directorCard.id)).body.result).toBe('handled');

    const done = (await call('rep.east1', `/api/approvals/${approval.id}`)).body;
    expect(done).toMatchObject({ status: 'approved', canDecide: false });
    expect(done.steps.map((s: Json) => [s.status, s.decisions.map((d: Json) => [d.by.id, d.decision, d.via])])).toEqual([
      ['approved', [[ids['manager.east'], 'approve', 'dev']]],
      ['approved', [[ids.director, 'approve', 'dev']]],
    ]);
    expect((await call('rep.east1', `/api/contracts/${contract.id}`)).body.status).toBe('approved');
    const result = (await outbox('rep.east1')).find((i) => i.cardId === `apr-${approval.id}`);
    expect(result!.view.description).toContain('已通过（孙浩）');
    // approved is final: no more edits
    expect((await call('rep.east1', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: 4, title: '改不了' } })).status).toBe(409);
    expect((await call('manager.east', '/api/approvals?box=done')).body.items.map((a: Json) => a.id)).toContain(approval.id);
    expect((await call('rep.east1', '/api/approvals?box=mine')).body.items.map((a: Json) => a.id)).toContain(approval.id);
    const timeline = (await call('rep.east1', `/api/customers/${eastCustomer}/timeline?limit=50`)).body.items.map((e: Json) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['contractCreated', 'contractSubmitted', 'contractApproved']));
  });

  it('takes exactly one decision from ten concurrent approve and reject clicks on the same step', async () => {
    const contract = await draft('rep.east1', eastCustomer, '80000');
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    const card = (await cardFor('manager.east', approval.id))!;
    const clicks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0 ? press('manager.east', card.id) : call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'reject', comment: `第${i}次驳回` } }),
      ),
    );
    const apiWins = clicks.filter((c, i) => i % 2 === 1 && c.status === 200).length;
    const cardWins = clicks.filter((c, i) => i % 2 === 0 && c.body.result === 'handled').length;
    const stored = (await t.inspect.approvals.findById(approval.id).lean())!;
    expect(stored.steps[0]!.decisions).toHaveLength(1);
    expect(['approved', 'rejected']).toContain(stored.status);
    // each API click either won or was told it came too late; of the card's five presses one was
    // handled (the others are the same event again) and it decided only if no API click had
    expect(clicks.filter((c, i) => i % 2 === 1).every((c) => c.status === 200 || c.status === 409)).toBe(true);
    expect(apiWins).toBeLessThanOrEqual(1);
    expect(cardWins).toBe(1);
    expect(stored.steps[0]!.decisions[0]!.via).toBe(apiWins === 1 ? 'app' : 'dev');
    expect((await call('rep.east1', `/api/contracts/${contract.id}`)).body.status).toBe(stored.status);
  });

  it('changes nothing on a stale card, and shows the card what happened', async () => {
    const contract = await draft('rep.east1', eastCustomer, '30000');
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    const card = (await cardFor('manager.east', approval.id))!;
    expect((await call('rep.east1', `/api/approvals/${approval.id}/withdraw`, { method: 'POST' })).status).toBe(200);
    expect((await call('rep.east1', `/api/contracts/${contract.id}`)).body.status).toBe('draft');
    expect((await cardFor('manager.east', approval.id))!.outcome).toEqual({ text: '已撤回' });
    expect((await press('manager.east', card.id)).body.result).toBe('handled');
    const stored = (await t.inspect.approvals.findById(approval.id).lean())!;
    expect([stored.status, stored.steps[0]!.decisions.length]).toEqual(['withdrawn', 0]);
    expect((await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(409);
  });

  it('needs a comment to reject, and takes a rejected contract back after an edit', async () => {
    const contract = await draft('rep.east1', eastCustomer, '40000');
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    const noComment = await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'reject' } });
    expect([noComment.status, noComment.body.error.message]).toEqual([400, '驳回时请填写意见']);
    // someone not on the step cannot decide, whether or not they can see the contract
    expect((await call('director', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(409);
    expect((await call('manager.south', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(404);
    const rejected = await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'reject', comment: '付款周期太长' } });
    expect(rejected.body.status).toBe('rejected');
    const current = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    expect(current.status).toBe('rejected');
    expect((await outbox('rep.east1')).find((i) => i.cardId === `apr-${approval.id}`)!.view.lines[0].text).toBe('付款周期太长');
    const edited = await call('rep.east1', `/api/contracts/${contract.id}`, { method: 'PATCH', json: { version: current.version, plan: [{ dueOn: '2026-12-15', amount: '40000' }] } });
    expect(edited.status).toBe(200);
    const again = await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(approval.id);
    expect((await call('rep.east1', `/api/contracts/${contract.id}/approvals`)).body.items.map((a: Json) => a.status)).toEqual(['pending', 'rejected']);
  });
});

describe('delegation while away', () => {
  it('routes an away approver’s steps to their delegate, who may then open and decide the contract', async () => {
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    expect((await call('manager.south', '/api/approvals/delegation', { method: 'PUT', json: { toUserId: ids['manager.south'], until } })).status).toBe(400);
    expect((await call('manager.south', '/api/approvals/delegation', { method: 'PUT', json: { toUserId: ids['manager.east'], until: '2020-01-01T00:00:00Z' } })).status).toBe(400);
    const set = await call('manager.south', '/api/approvals/delegation', { method: 'PUT', json: { toUserId: ids['manager.east'], until } });
    expect(set.body.delegation.to).toEqual({ id: ids['manager.east'], name: '张伟' });
    try {
      const contract = await draft('rep.south1', southCustomer, '20000');
      const approval = (await call('rep.south1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
      expect(approval.steps[0].approvers.map((a: Json) => a.id)).toEqual([ids['manager.east']]);
      expect(approval.steps[0].delegations).toEqual([{ from: { id: ids['manager.south'], name: '陈静' }, to: { id: ids['manager.east'], name: '张伟' } }]);
      expect((await call('manager.east', `/api/contracts/${contract.id}`)).status).toBe(200);
      expect((await call('manager.south', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(409);
      expect((await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).body.status).toBe('approved');
    } finally {
      expect((await call('manager.south', '/api/approvals/delegation', { method: 'DELETE' })).body).toEqual({ delegation: null });
    }
  });
});

describe('payment collection (回款)', () => {
  async function approved(amount: string, plan: { dueOn: string; amount: string }[]) {
    const contract = await draft('rep.east1', eastCustomer, amount, plan);
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    expect((await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(200);
    return (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
  }
  const pay = (contractId: string, instalmentId: string, amount: string, key?: string) =>
    t.request(`/api/contracts/${contractId}/payments`, {
      method: 'POST',
      token: tokens['rep.east1'],
      json: { instalmentId, amount, receivedOn: '2026-11-24', method: '银行转账' },
      ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
    });

  it('takes partial and full payments per instalment, refuses overpayment, and keeps the totals', async () => {
    const contract = await approved('90000', [
      { dueOn: '2026-12-31', amount: '60000' },
      { dueOn: '2027-03-31', amount: '30000' },
    ]);
    const [first, second] = contract.plan;
    expect((await pay(contract.id, first.id, '20000.50')).status).toBe(201);
    const after = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    expect([after.status, after.receivedFen, after.outstandingFen, after.plan[0].receivedFen]).toEqual(['active', 2_000_050, 6_999_950, 2_000_050]);

    const over = await pay(contract.id, first.id, '40000');
    expect(over.status).toBe(400);
    expect(((await over.json()) as Json).error.message).toBe('本期未回款 39999.50 元，本次 40000.00 元超出');
    // three people record the rest at once: only what fits is kept
    const racing = await Promise.all([pay(contract.id, first.id, '39999.50'), pay(contract.id, first.id, '39999.50'), pay(contract.id, first.id, '39999.50')]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 400, 400]);
    // a retried request with the same key records nothing new
    const once = await pay(contract.id, second.id, '30000', 'pay-second-1');
    const retry = await pay(contract.id, second.id, '30000', 'pay-second-1');
    expect([once.status, retry.status]).toEqual([201, 200]);
    expect(((await retry.json()) as Json).id).toBe(((await once.json()) as Json).id);

    const full = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    expect([full.receivedFen, full.outstandingFen, full.plan.map((p: Json) => p.receivedFen)]).toEqual([9_000_000, 0, [6_000_000, 3_000_000]]);
    expect((await call('rep.east1', `/api/contracts/${contract.id}/payments`)).body.items).toHaveLength(3);
    expect(await t.inspect.payments.countDocuments({ contractId: full.id })).toBe(3);
    const transactions = (await call('rep.east1', `/api/customers/${eastCustomer}/transactions`)).body;
    expect(transactions.summary.receivedFen).toBeGreaterThanOrEqual(9_000_000);
    const timeline = (await call('rep.east1', `/api/customers/${eastCustomer}/timeline?limit=100`)).body.items.filter((e: Json) => e.type === 'paymentReceived');
    expect(timeline.length).toBeGreaterThanOrEqual(3);
  });

  it('amends an approved contract only through a new approval, keeping what was received', async () => {
    const contract = await approved('10000', [
      { dueOn: '2026-12-31', amount: '6000' },
      { dueOn: '2027-03-31', amount: '4000' },
    ]);
    const [first, second] = contract.plan;
    expect((await pay(contract.id, first.id, '5000')).status).toBe(201);
    const current = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    const amend = (json: Json) => call('rep.east1', `/api/contracts/${contract.id}/amendments`, { method: 'POST', json: { version: current.version, reason: '增加培训服务', ...json } });

    const dropsPaid = await amend({ amount: '4000', plan: [{ id: second.id, dueOn: '2027-03-31', amount: '4000' }] });
    expect([dropsPaid.status, dropsPaid.body.error.message]).toEqual([400, '第 1 期已回款 5000.00 元，变更后不能删除或少于已回款金额']);
    expect((await amend({ title: current.title })).status).toBe(400); // changes nothing
    const proposed = await amend({
      amount: '12000',
      plan: [
        { id: first.id, dueOn: '2026-12-31', amount: '6000' },
        { id: second.id, dueOn: '2027-03-31', amount: '4000' },
        { dueOn: '2027-06-30', amount: '2000' },
      ],
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ kind: 'amendment', changes: { reason: '增加培训服务', amountFen: 1_200_000 }, amountFen: 1_200_000 });
    expect((await cardFor('manager.east', proposed.body.id))!.view.title).toBe('合同变更审批');
    // nothing changes, and no money is recorded, until it is approved
    const pending = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    expect([pending.amountFen, pending.status, pending.amendmentId]).toEqual([1_000_000, 'active', proposed.body.id]);
    const blocked = await pay(contract.id, second.id, '100');
    expect([blocked.status, ((await blocked.json()) as Json).error.message]).toEqual([409, '合同变更审批中，暂不能登记回款']);
    expect((await amend({ title: '再改一次' })).status).toBe(409);

    expect((await call('manager.east', `/api/approvals/${proposed.body.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).body.status).toBe('approved');
    const amended = (await call('rep.east1', `/api/contracts/${contract.id}`)).body;
    expect([amended.amountFen, amended.status, amended.amendmentId, amended.receivedFen]).toEqual([1_200_000, 'active', null, 500_000]);
    expect(amended.plan.map((p: Json) => [p.no, p.amountFen, p.receivedFen])).toEqual([
      [1, 600_000, 500_000],
      [2, 400_000, 0],
      [3, 200_000, 0],
    ]);
    expect((await pay(contract.id, amended.plan[2].id, '2000')).status).toBe(201);
    // a draft is edited, not amended
    const draftOnly = await draft('rep.east1', eastCustomer, '10');
    expect((await call('rep.east1', `/api/contracts/${draftOnly.id}/amendments`, { method: 'POST', json: { version: 1, reason: 'x', title: 'y' } })).status).toBe(409);
  });

  it('refuses payments before approval, outside the plan, or from someone outside the team', async () => {
    const contract = await draft('rep.east1', eastCustomer, '1000');
    const res = await pay(contract.id, contract.plan[0].id, '100');
    expect([res.status, ((await res.json()) as Json).error.message]).toEqual([409, '合同审批通过后才能登记回款']);
    const ok = await approved('1000', [{ dueOn: '2026-12-31', amount: '1000' }]);
    expect((await pay(ok.id, '0123456789abcdef01234567', '100')).status).toBe(400);
    const outsider = await t.request(`/api/contracts/${ok.id}/payments`, { method: 'POST', token: tokens['rep.south1'], json: { instalmentId: ok.plan[0].id, amount: '100', receivedOn: '2026-11-24', method: '银行转账' } });
    expect(outsider.status).toBe(404);
    expect((await call('rep.south1', `/api/customers/${eastCustomer}/transactions`)).status).toBe(404);
  });

  it('records orders with or without a contract, on the customer', async () => {
    const created = await call('rep.east1', `/api/customers/${eastCustomer}/orders`, {
      method: 'POST',
      json: { items: [{ name: '配件', quantity: 3, unitPrice: '0.10' }, { name: '安装', quantity: 1, unitPrice: '199.99' }], orderedOn: '2026-11-24', paymentMethod: '微信支付' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ amountFen: 20029, amount: '200.29', status: 'pending' });
    expect((await call('rep.east1', `/api/orders/${created.body.id}/status`, { method: 'POST', json: { status: 'paid' } })).body.status).toBe('paid');
    expect((await call('rep.east2', `/api/orders/${created.body.id}/status`, { method: 'POST', json: { status: 'cancelled' } })).status).toBe(404);
    expect((await call('rep.east1', `/api/customers/${eastCustomer}/transactions`)).body.orders.map((o: Json) => o.id)).toContain(created.body.id);
  });
});
