// A leaver's pending approvals go with the handover: the steps they have yet to decide name the
// colleague (the trail shows it), who finds the request in 待我审批, gets the card, opens the
// contract and decides it; the leaver no longer can. A request the colleague submitted stays with
// its approver (nobody approves their own contract), and a second handover moves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);

async function submitted(login: DemoLogin, name: string, amount: string): Promise<{ contract: Json; approval: Json }> {
  const customer = (await call(login, '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网' } })).body;
  const contract = (await call(login, '/api/contracts', { method: 'POST', json: { customerId: customer.id, title: `交接审批 ${amount}`, amount, signedOn: '2026-11-20', plan: [{ dueOn: '2026-12-31', amount }] } })).body;
  const approval = await call(login, `/api/contracts/${contract.id}/submit`, { method: 'POST' });
  expect(approval.status).toBe(201);
  return { contract, approval: approval.body };
}

const todo = async (login: DemoLogin) => ((await call(login, '/api/approvals?box=todo')).body.items as Json[]).map((a) => a.id);
const cardsFor = async (login: DemoLogin, approvalId: string) => ((await call(login, '/api/dev/outbox')).body.items as Json[]).filter((i) => i.cardId.startsWith(`apv-${approvalId}-`));

describe('handing over a leaver’s approvals', () => {
  it('moves the steps they have yet to decide to the colleague, once', async () => {
    const { contract, approval } = await submitted('rep.east1', '交接审批华东有限公司', '20000');
    expect(approval.steps[0].approvers.map((a: Json) => a.id)).toEqual([ids['manager.east']]);
    expect(await todo('manager.south')).not.toContain(approval.id);
    expect((await call('manager.south', `/api/contracts/${contract.id}`)).status).toBe(404);

    const moved = await call('admin', `/api/org/users/${ids['manager.east']}/handover`, { method: 'POST', json: { toUserId: ids['manager.south'] } });
    expect(moved.status).toBe(200);
    expect(moved.body.approvals).toBe(1);

    const after = (await call('admin', `/api/approvals/${approval.id}`)).body;
    expect(after.steps[0].approvers.map((a: Json) => a.id)).toEqual([ids['manager.south']]);
    expect(after.steps[0].delegations).toEqual([{ from: { id: ids['manager.east'], name: '张伟' }, to: { id: ids['manager.south'], name: '陈静' } }]);
    expect(await todo('manager.south')).toContain(approval.id);
    expect(await todo('manager.east')).not.toContain(approval.id);
    expect(await cardsFor('manager.south', approval.id)).toHaveLength(1);
    expect((await call('manager.south', `/api/contracts/${contract.id}`)).status).toBe(200);

    expect((await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).status).toBe(409);
    expect((await call('manager.south', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } })).body.status).toBe('approved');

    const again = await call('admin', `/api/org/users/${ids['manager.east']}/handover`, { method: 'POST', json: { toUserId: ids['manager.south'] } });
    expect(again.body).toEqual({ customers: 0, contracts: 0, opportunities: 0, tickets: 0, approvals: 0 });
  });

  it('leaves a request the colleague submitted with its approver', async () => {
    // the south manager's own contract goes to the director above them
    const { approval } = await submitted('manager.south', '交接审批华南有限公司', '20000');
    expect(approval.steps[0].approvers.map((a: Json) => a.id)).toEqual([ids.director]);
    const moved = await call('admin', `/api/org/users/${ids.director}/handover`, { method: 'POST', json: { toUserId: ids['manager.south'] } });
    expect(moved.body.approvals).toBe(0);
    const after = (await call('admin', `/api/approvals/${approval.id}`)).body;
    expect(after.steps[0].approvers.map((a: Json) => a.id)).toEqual([ids.director]);
    expect(await todo('director')).toContain(approval.id);
  });
});
