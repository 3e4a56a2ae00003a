// Opportunities (商机): stage sets, stage history with time in stage, lose with a reason, win into a
// contract draft, the kanban sums, scope, and the rules they feed (no follow-up within 3 days; the
// pool reclaim leaves customers with an open opportunity alone). The clock moves; nothing waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const day = 86_400_000;
const hour = 3_600_000;
// Monday 1 June 2026, 10:00 in Shanghai
const clock = new ManualClock('2026-06-01T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const customer = async (login: DemoLogin, name: string) => (await call(login, '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网' } })).body.id as string;
const opportunity = async (login: DemoLogin, customerId: string, title: string, amount: string, extra: Json = {}) => {
  const created = await call(login, '/api/opportunities', { method: 'POST', json: { customerId, title, amount, expectedCloseOn: '2026-09-30', ...extra } });
  expect(created.status).toBe(201);
  return created.body;
};
const move = (login: DemoLogin, id: string, json: Json) => call(login, `/api/opportunities/${id}/stage`, { method: 'POST', json });
const cardsOf = async (login: DemoLogin, kind: string): Promise<{ id: string; data: Json }[]> =>
  (await t.inspect.outbox.find({ userId: ids[login] }).sort({ createdAt: 1, _id: 1 }).lean()).map((e) => e.card).filter((c) => c.data.kind === kind);

describe('opportunities', () => {
  it('start in the first stage of their set and keep a history with the time spent in each stage', async () => {
    const sets = (await call('rep.east1', '/api/stage-sets')).body.items;
    expect(sets.map((s: Json) => s.id)).toEqual(['new', 'renewal']);
    expect(sets[0].stages.map((s: Json) => [s.name, s.probability])).toEqual([
      ['初步接触', 10],
      ['需求确认', 30],
      ['方案报价', 50],
      ['商务谈判', 70],
      ['赢单', 100],
      ['输单', 0],
    ]);
    const id = await customer('rep.east1', '商机历史有限公司');
    const opp = await opportunity('rep.east1', id, '智慧校园一期', '¥380,000');
    expect(opp).toMatchObject({ stage: 'initial', stageName: '初步接触', probability: 10, status: 'open', amountFen: 38_000_000 });
    clock.advance(2 * day);
    expect((await move('rep.east1', opp.id, { stage: 'proposal' })).body).toMatchObject({ stageName: '方案报价', probability: 50 });
    clock.advance(5 * hour);
    const moved = (await move('rep.east1', opp.id, { stage: 'needs' })).body;
    expect(moved.history.map((h: Json) => [h.from, h.to, h.spentMs, h.by.name])).toEqual([
      [null, '初步接触', 0, '李娜'],
      ['初步接触', '方案报价', 2 * day, '李娜'],
      ['方案报价', '需求确认', 5 * hour, '李娜'],
    ]);
    expect((await move('rep.east1', opp.id, { stage: 'nonsense' })).status).toBe(400);
    const timeline = (await call('rep.east1', `/api/customers/${id}/timeline?limit=20`)).body.items.map((e: Json) => e.type);
    expect(timeline.filter((type: string) => type === 'opportunityStage')).toHaveLength(2);
  });

  it('needs a reason to lose, and can turn a win into a contract draft', async () => {
    const id = await customer('rep.east1', '商机输赢有限公司');
    const losing = await opportunity('rep.east1', id, '机房改造', '50000');
    const noReason = await move('rep.east1', losing.id, { stage: 'lost' });
    expect([noReason.status, noReason.body.error.message]).toEqual([400, '输单需要选择原因']);
    expect((await move('rep.east1', losing.id, { stage: 'lost', lostReason: '胡乱写的' })).status).toBe(400);
    expect((await move('rep.east1', losing.id, { stage: 'lost', lostReason: '选择竞品' })).body).toMatchObject({ status: 'lost', lostReason: '选择竞品', probability: 0 });

    const winning = await opportunity('rep.east1', id, '教室大屏', '120000.50', { products: [{ name: '86寸大屏', quantity: 10, unitPrice: '12000.05' }] });
    const won = (await move('rep.east1', winning.id, { stage: 'won', createContract: true })).body;
    expect(won).toMatchObject({ status: 'won', contract: { status: 'draft', amountFen: 12_000_050, title: '教室大屏', opportunityId: winning.id } });
    expect(won.contractId).toBe(won.contract.id);
    expect(won.contract.items).toEqual([{ name: '86寸大屏', quantity: 10, unitPriceFen: 1_200_005, amountFen: 12_000_050 }]);
  });

  it('sums each kanban column, weighted by the stage probability, within the caller’s scope', async () => {
    const id = await customer('rep.east2', '看板汇总有限公司');
    const a = await opportunity('rep.east2', id, '看板A', '100000');
    await opportunity('rep.east2', id, '看板B', '300000');
    await move('rep.east2', a.id, { stage: 'negotiation' });
    const board = (await call('rep.east2', '/api/opportunities/board?stageSetId=new')).body;
    const column = (stage: string) => board.columns.find((c: Json) => c.stage === stage);
    expect([column('initial').count, column('initial').amountFen, column('initial').weightedFen]).toEqual([1, 30_000_000, 3_000_000]);
    expect([column('negotiation').count, column('negotiation').weightedFen]).toEqual([1, 7_000_000]);
    // rep.east1's opportunities are not on rep.east2's board; the manager sees both reps'
    const east1 = (await call('rep.east1', '/api/opportunities/board')).body;
    expect(east1.columns.flatMap((c: Json) => c.items.map((i: Json) => i.title))).not.toContain('看板A');
    const manager = (await call('manager.east', '/api/opportunities/board')).body;
    expect(manager.columns.flatMap((c: Json) => c.items.map((i: Json) => i.title))).toEqual(expect.arrayContaining(['看板A', '智慧校园一期']));
  });

  it('keeps each opportunity within its owner’s scope', async () => {
    const id = await customer('rep.east1', '商机范围有限公司');
    const opp = await opportunity('rep.east1', id, '范围商机', '1000');
    for (const login of ['rep.east2', 'manager.south', 'rep.south1', 'service1'] as const) {
      expect([login, (await call(login, `/api/opportunities/${opp.id}`)).status]).toEqual([login, 404]);
      expect([login, (await move(login, opp.id, { stage: 'needs' })).status]).toEqual([login, 404]);
      expect((await call(login, '/api/opportunities?limit=100')).body.items.map((o: Json) => o.id)).not.toContain(opp.id);
    }
    for (const login of ['manager.east', 'director', 'admin'] as const) expect([login, (await call(login, `/api/opportunities/${opp.id}`)).status]).toEqual([login, 200]);
    // an opportunity for a customer the rep cannot see is refused as if it did not exist
    const south = await customer('rep.south1', '商机华南有限公司');
    expect((await call('rep.east1', '/api/opportunities', { method: 'POST', json: { customerId: south, title: 'x', amount: '1' } })).status).toBe(404);
  });

  it('lets admins edit stage sets, but not remove a stage still in use', async () => {
    const current = (await call('admin', '/api/stage-sets')).body.items[0];
    expect((await call('manager.east', '/api/stage-sets/new', { method: 'PUT', json: { name: current.name, stages: current.stages } })).status).toBe(403);
    const withoutNeeds = current.stages.filter((s: Json) => s.key !== 'needs');
    const refused = await call('admin', '/api/stage-sets/new', { method: 'PUT', json: { name: current.name, stages: withoutNeeds } });
    expect([refused.status, refused.body.error.message]).toEqual([409, '阶段「需求确认」还有 1 个商机，不能删除']);
    expect((await call('admin', '/api/stage-sets/new', { method: 'PUT', json: { name: current.name, stages: current.stages.filter((s: Json) => s.kind !== 'won') } })).status).toBe(400);
    const project = await call('admin', '/api/stage-sets/project', {
      method: 'PUT',
      json: { name: '项目型', stages: [{ key: 'bid', name: '投标', probability: 30, kind: 'open' }, { key: 'won', name: '中标', probability: 100, kind: 'won' }, { key: 'lost', name: '未中标', probability: 0, kind: 'lost' }] },
    });
    expect(project.status).toBe(200);
    expect((await call('rep.east1', '/api/stage-sets')).body.items.map((s: Json) => s.id)).toEqual(['new', 'renewal', 'project']);
  });
});

describe('rules fed by opportunities', () => {
  it('reminds the owner of an opportunity with no follow-up 3 days after it was created or moved', async () => {
    const id = await customer('rep.south1', '商机跟进规则有限公司');
    const opp = await opportunity('rep.south1', id, '跟进规则商机', '20000');
    clock.advance(2 * day);
    await t.app.services.rules.run('opportunityIdle');
    expect((await cardsOf('rep.south1', 'opportunityIdle')).flatMap((c) => c.data.opportunities.map((o: Json) => o.id))).not.toContain(opp.id);
    clock.advance(day);
    await t.app.services.rules.run('opportunityIdle');
    const card = (await cardsOf('rep.south1', 'opportunityIdle')).at(-1)!;
    expect(card.data.opportunities).toContainEqual({ id: opp.id, title: '跟进规则商机', customer: { id, name: '商机跟进规则有限公司' }, idleDays: 3 });
    // a follow-up on the customer answers it
    await call('rep.south1', `/api/customers/${id}/follow-ups`, { method: 'POST', json: { method: 'call', content: '电话沟通需求' } });
    clock.advance(day);
    await t.app.services.rules.run('opportunityIdle');
    const after = (await cardsOf('rep.south1', 'opportunityIdle')).flatMap((c) => c.data.opportunities.map((o: Json) => o.id));
    expect(after.filter((o: string) => o === opp.id)).toHaveLength(1);
  });

  it('leaves a customer with an open opportunity out of the pool reclaim, and reclaims it once the deal is lost', async () => {
    const id = await customer('rep.south2', '商机豁免回收有限公司');
    const opp = await opportunity('rep.south2', id, '豁免商机', '5000');
    clock.advance(16 * day); // a lead idle past the 15-day reclaim
    const preview = (await call('admin', '/api/rules/poolReclaim/preview')).body;
    expect(preview.reclaim).not.toContain(id);
    expect((await t.app.services.rules.run('poolReclaim')).deferredUntil).toBeUndefined();
    expect((await t.inspect.customers.findById(id).lean())!.pool).toBeNull();
    await move('rep.south2', opp.id, { stage: 'lost', lostReason: '预算不足' });
    await t.app.services.rules.run('poolReclaim');
    expect((await t.inspect.customers.findById(id).lean())!.pool).not.toBeNull();
  });
});
