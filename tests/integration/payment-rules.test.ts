// The contract reminders over simulated weeks: an instalment due today goes to the owner, still
// unpaid a week later to the manager; paid money is never chased; a contract ending within 30 days
// is announced to its owner once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const day = 86_400_000;
// Monday 1 June 2026, 09:00 in Shanghai
const clock = new ManualClock('2026-06-01T01:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const cardsOf = async (login: DemoLogin, kind: string): Promise<{ id: string; data: Json }[]> =>
  (await t.inspect.outbox.find({ userId: ids[login] }).sort({ createdAt: 1, _id: 1 }).lean()).map((e) => e.card).filter((c) => c.data.kind === kind);

async function approvedContract(name: string, amount: string, plan: { dueOn: string; amount: string }[], endOn: string) {
  const customer = await call('rep.east1', '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网' } });
  const contract = await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: customer.body.id, title: `${name}合同`, amount, startOn: '2026-06-01', endOn, plan } });
  expect(contract.status).toBe(201);
  const approval = await call('rep.east1', `/api/contracts/${contract.body.id}/submit`, { method: 'POST' });
  expect((await call('manager.east', `/api/approvals/${approval.body.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(200);
  return (await call('rep.east1', `/api/contracts/${contract.body.id}`)).body;
}

describe('payment and contract reminders', () => {
  it('reminds the owner on the due date and the manager a week later, never for money received', async () => {
    const contract = await approvedContract('回款提醒甲有限公司', '10000', [
      { dueOn: '2026-06-03', amount: '6000' },
      { dueOn: '2026-06-10', amount: '4000' },
    ], '2027-05-31');
    const paid = await approvedContract('回款提醒乙有限公司', '500', [{ dueOn: '2026-06-03', amount: '500' }], '2027-05-31');
    await call('rep.east1', `/api/contracts/${paid.id}/payments`, { method: 'POST', json: { instalmentId: paid.plan[0].id, amount: '500', receivedOn: '2026-06-01', method: '银行转账' } });

    expect((await t.app.services.rules.run('paymentDue')).alerts).toBe(0);
    clock.advance(2 * day); // 3 June: the first instalment is due
    expect((await t.app.services.rules.run('paymentDue')).alerts).toBe(1);
    expect((await t.app.services.rules.run('paymentDue')).alerts).toBe(0); // once a day
    expect((await cardsOf('rep.east1', 'paymentDue')).at(-1)!.data).toEqual({
      kind: 'paymentDue',
      items: [{ contractId: contract.id, number: contract.number, customer: { id: contract.customer.id, name: '回款提醒甲有限公司' }, dueOn: '2026-06-03', outstandingFen: 600_000, daysOverdue: 0 }],
      total: 1,
    });
    await call('rep.east1', `/api/contracts/${contract.id}/payments`, { method: 'POST', json: { instalmentId: contract.plan[0].id, amount: '2000', receivedOn: '2026-06-05', method: '银行转账' } });

    clock.advance(7 * day); // 10 June: the second is due, the first a week overdue with 4,000 left
    expect((await t.app.services.rules.run('paymentDue')).alerts).toBe(2);
    expect((await cardsOf('rep.east1', 'paymentDue')).at(-1)!.data.items).toEqual([expect.objectContaining({ dueOn: '2026-06-10', outstandingFen: 400_000, daysOverdue: 0 })]);
    expect((await cardsOf('manager.east', 'paymentDue')).at(-1)!.data.items).toEqual([expect.objectContaining({ dueOn: '2026-06-03', outstandingFen: 400_000, daysOverdue: 7 })]);
    expect(await cardsOf('director', 'paymentDue')).toEqual([]);
  });

  it('tells the owner once of a contract ending within 30 days', async () => {
    const ending = await approvedContract('到期提醒有限公司', '100', [{ dueOn: '2026-06-30', amount: '100' }], '2026-07-01');
    await approvedContract('远期合同有限公司', '100', [{ dueOn: '2026-06-30', amount: '100' }], '2026-12-31');
    const before = (await cardsOf('rep.east1', 'contractEnding')).length;
    expect((await t.app.services.rules.run('contractEnding')).alerts).toBe(1);
    const card = (await cardsOf('rep.east1', 'contractEnding')).at(-1)!;
    expect(card.data.contracts).toEqual([{ id: ending.id, number: ending.number, customer: { id: ending.customer.id, name: '到期提醒有限公司' }, endOn: '2026-07-01', daysLeft: 21 }]);
    clock.advance(day);
    expect((await t.app.services.rules.run('contractEnding')).alerts).toBe(0);
    expect((await cardsOf('rep.east1', 'contractEnding')).length).toBe(before + 1);
  });
});
