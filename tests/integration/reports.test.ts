// Reports with hand-computable data: the 龙虎榜 by person and team, trends by day, week and month,
// and the funnel with conversion, time in stage and lost reasons — each within the caller's
// scope. And the daily rollups behind them equal a recomputation from the raw records after a
// random mix of creates, edits, deletes, restores, transfers, releases, claims, merges and their
// undoing, payments and wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const hour = 3_600_000;
// Tuesday 24 November 2026, 10:00 in Shanghai
const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const customer = async (login: DemoLogin, name: string, province = '浙江省') =>
  (await call(login, '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网', region: { province } } })).body.id as string;
async function signed(login: DemoLogin, customerId: string, amount: string, signedOn: string) {
  const contract = (await call(login, '/api/contracts', { method: 'POST', json: { customerId, title: `合同${amount}`, amount, signedOn, plan: [{ dueOn: '2026-12-31', amount }] } })).body;
  const approval = (await call(login, `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
  const approver = approval.steps[0].approvers[0].id as string;
  const as = (Object.entries(ids).find(([, id]) => id === approver)![0]) as DemoLogin;
  for (const [i] of approval.steps.entries()) {
    const current = (await call(login, `/api/approvals/${approval.id}`)).body;
    const who = (Object.entries(ids).find(([, id]) => id === current.steps[i].approvers[0].id)![0]) as DemoLogin;
    await call(who, `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } });
  }
  void as;
  return (await call(login, `/api/contracts/${contract.id}`)).body;
}

describe('reports', () => {
  let lostId = '';
  it('builds the month: contracts, payments, customers, follow-ups and opportunities', async () => {
    // rebuild first so the demo data seeded straight into the database is in the rollups
    await t.app.services.stats.rebuild();
    const a = await customer('rep.east1', '报表甲有限公司');
    await customer('rep.east1', '报表乙有限公司', '江苏省');
    const c = await customer('rep.east2', '报表丙有限公司');
    const d = await customer('rep.south1', '报表丁有限公司', '广东省');
    for (const method of ['visit', 'visit', 'call']) await call('rep.east1', `/api/customers/${a}/follow-ups`, { method: 'POST', json: { method, content: '报表跟进', location: { lat: 30, lng: 120 } } });
    await call('rep.east2', `/api/customers/${c}/follow-ups`, { method: 'POST', json: { method: 'call', content: '电话' } });
    const big = await signed('rep.east1', a, '100000', '2026-11-10');
    await signed('rep.east2', c, '50000', '2026-11-05');
    await signed('rep.south1', d, '70000', '2026-11-12');
    await call('rep.east1', `/api/contracts/${big.id}/payments`, { method: 'POST', json: { instalmentId: big.plan[0].id, amount: '30000', receivedOn: '2026-11-20', method: '银行转账' } });

    // the funnel: A wins (1 h in 初步接触, 2 h in 需求确认, 3 h in 方案报价), B is lost after 2 h, C stays
    const oppA = (await call('rep.east1', '/api/opportunities', { method: 'POST', json: { customerId: a, title: '漏斗A', amount: '100000' } })).body;
    const oppB = (await call('rep.east1', '/api/opportunities', { method: 'POST', json: { customerId: a, title: '漏斗B', amount: '50000' } })).body;
    await call('rep.east2', '/api/opportunities', { method: 'POST', json: { customerId: c, title: '漏斗C', amount: '30000' } });
    clock.advance(hour);
    await call('rep.east1', `/api/opportunities/${oppA.id}/stage`, { method: 'POST', json: { stage: 'needs' } });
    clock.advance(hour);
    await call('rep.east1', `/api/opportunities/${oppB.id}/stage`, { method: 'POST', json: { stage: 'lost', lostReason: '价格因素' } });
    clock.advance(hour);
    await call('rep.east1', `/api/opportunities/${oppA.id}/stage`, { method: 'POST', json: { stage: 'proposal' } });
    clock.advance(3 * hour);
    await call('rep.east1', `/api/opportunities/${oppA.id}/stage`, { method: 'POST', json: { stage: 'won' } });
    lostId = oppB.id;
  });

  it('ranks people and teams by signed amount within each caller’s reach, with targets', async () => {
    await call('manager.east', '/api/targets', { method: 'PUT', json: { subject: 'user', subjectId: ids['rep.east1'], month: '2026-11', metrics: { signedFen: 20_000_000 } } });
    const ranking = async (login: DemoLogin, by = 'user') => (await call(login, `/api/reports/rankings?period=2026-11&measure=signedFen&by=${by}`)).body.items.map((r: Json) => [r.name, r.value]);
    expect(await ranking('director')).toEqual([
      ['李娜', 10_000_000],
      ['杨丽', 7_000_000],
      ['王芳', 5_000_000],
    ]);
    expect(await ranking('director', 'department')).toEqual([
      ['华东大区', 15_000_000],
      ['华南大区', 7_000_000],
    ]);
    expect(await ranking('manager.east')).toEqual([
      ['李娜', 10_000_000],
      ['王芳', 5_000_000],
    ]);
    expect(await ranking('manager.south')).toEqual([['杨丽', 7_000_000]]);
    // a scope of the department alone (not its tree) leaves out the teams below it, as the customer
    // list does: the director's 销售中心 has no signed amounts of its own
    expect((await call('admin', '/api/roles/director', { method: 'PUT', json: { dataScope: 'department' } })).status).toBe(200);
    expect(await ranking('director')).toEqual([]);
    expect((await call('director', '/api/reports/trends?measure=signedFen&from=2026-11-01&to=2026-11-30&granularity=month')).body.items).toEqual([]);
    expect((await call('admin', '/api/roles/director', { method: 'PUT', json: { dataScope: 'departmentTree' } })).status).toBe(200);
    expect(await ranking('director', 'department')).toEqual([
      ['华东大区', 15_000_000],
      ['华南大区', 7_000_000],
    ]);
    expect((await call('admin', '/api/roles/director', { method: 'PUT', json: { dataScope: 'all' } })).status).toBe(200);
    const withTarget = (await call('manager.east', '/api/reports/rankings?period=2026-11&measure=signedFen')).body.items[0];
    expect([withTarget.target, withTarget.completion]).toEqual([20_000_000, 50]);
    // a rep sees their department's ranking while the company allows it, else only themselves
    expect(await ranking('rep.east2')).toEqual([
      ['李娜', 10_000_000],
      ['王芳', 5_000_000],
    ]);
    expect((await call('admin', '/api/settings/reports', { method: 'PUT', json: { rankingVisible: false } })).status).toBe(200);
    expect(await ranking('rep.east2')).toEqual([['王芳', 5_000_000]]);
    expect((await call('director', '/api/reports/rankings?period=2026-11&measure=collectedFen')).body.items.map((r: Json) => [r.name, r.value])).toEqual([['李娜', 3_000_000]]);
  });

  it('trends by day, week and month', async () => {
    const trend = async (login: DemoLogin, query: string) => (await call(login, `/api/reports/trends?${query}`)).body.items;
    expect(await trend('director', 'measure=visits&from=2026-11-01&to=2026-11-30&granularity=day')).toEqual([{ period: '2026-11-24', value: 2 }]);
    expect(await trend('director', 'measure=followUps&from=2026-11-01&to=2026-11-30&granularity=week')).toEqual([{ period: '2026-11-23', value: 4 }]);
    expect(await trend('director', 'measure=signedFen&from=2026-11-01&to=2026-11-30&granularity=month')).toEqual([{ period: '2026-11', value: 22_000_000 }]);
    expect(await trend('manager.east', 'measure=signedFen&from=2026-11-01&to=2026-11-30&granularity=month')).toEqual([{ period: '2026-11', value: 15_000_000 }]);
    expect(await trend('rep.east2', 'measure=followUps&from=2026-11-01&to=2026-11-30&granularity=month')).toEqual([{ period: '2026-11', value: 1 }]);
    expect((await call('director', '/api/reports/trends?measure=visits&from=2026-11-30&to=2026-11-01')).status).toBe(400);
  });

  it('draws the funnel: stages, conversion, time in stage and lost reasons, within scope', async () => {
    const funnel = (await call('director', '/api/reports/funnel?stageSetId=new&from=2026-11-01&to=2026-11-30')).body;
    expect(funnel.total).toBe(3);
    const stage = (key: string) => funnel.stages.find((s: Json) => s.stage === key);
    expect([stage('initial').count, stage('initial').reached, stage('initial').conversion]).toEqual([1, 3, 33.3]);
    expect([stage('needs').reached, stage('needs').conversion, stage('needs').averageMs]).toEqual([1, 100, 2 * hour]);
    expect(stage('initial').averageMs).toBe(1.5 * hour);
    expect(stage('proposal').averageMs).toBe(3 * hour);
    expect([stage('won').count, stage('won').amountFen, stage('won').weightedFen]).toEqual([1, 10_000_000, 10_000_000]);
    expect([stage('lost').count, stage('initial').weightedFen]).toEqual([1, 300_000]);
    expect(funnel.lostReasons).toEqual([{ reason: '价格因素', count: 1 }]);
    expect((await call('rep.east2', '/api/reports/funnel?stageSetId=new&from=2026-11-01&to=2026-11-30')).body.total).toBe(1);
    expect((await call('manager.south', '/api/reports/funnel?stageSetId=new&from=2026-11-01&to=2026-11-30')).body.total).toBe(0);
    expect(lostId).not.toBe('');
  });

  it('gives a manager today’s team numbers', async () => {
    const today = (await call('manager.east', '/api/reports/today')).body;
    expect(today).toMatchObject({ day: '2026-11-24', followUps: 4, visits: 2, newCustomers: 3, wonOpportunities: 1, wonFen: 10_000_000 });
    expect((await call('rep.east2', '/api/reports/today')).body).toMatchObject({ followUps: 1, visits: 0, newCustomers: 1 });
  });

  it('compares regions, by province of the customer, within scope', async () => {
    const regional = async (login: DemoLogin, measure: string) =>
      ((await call(login, `/api/reports/regional?period=2026-11&measure=${measure}`)).body.items as Json[]).map((r) => [r.place, r.value]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(await regional('director', 'newCustomers')).toEqual([['广东省', 1], ['江苏省', 1], ['浙江省', 2]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    expect(await regional('director', 'signedFen')).toEqual([['广东省', 7_000_000], ['浙江省', 15_000_000]].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    expect(await regional('manager.east', 'signedFen')).toEqual([['浙江省', 15_000_000]]);
    expect(await regional('director', 'collectedFen')).toEqual([['浙江省', 3_000_000]]);
    expect(await regional('rep.south1', 'collectedFen')).toEqual([]);
  });

  it('adds up lifetime value per customer: distribution, averages and the top, within scope', async () => {
    const clv = (await call('director', '/api/reports/clv?by=industry')).body;
    expect([clv.customers, clv.totalFen]).toEqual([4, 3_000_000]);
    expect(clv.distribution).toEqual([
      { bucket: '0', customers: 3 },
      { bucket: '<1万', customers: 0 },
      { bucket: '1万-10万', customers: 1 },
      { bucket: '10万-100万', customers: 0 },
      { bucket: '≥100万', customers: 0 },
    ]);
    expect(clv.averages).toEqual([{ key: '教育', customers: 4, averageFen: 750_000 }]);
    expect(clv.top[0]).toMatchObject({ name: '报表甲有限公司', valueFen: 3_000_000 });
    expect((await call('rep.east2', '/api/reports/clv')).body).toMatchObject({ customers: 1, totalFen: 0 });
  });

  it('shows coverage: customers touched lately, idle ones, visits per week', async () => {
    const rows = (await call('manager.east', '/api/reports/coverage')).body.items;
    expect(rows.map((r: Json) => [r.user.name, r.customers, r.touched7, r.touched30, r.visitsPerWeek])).toEqual([
      ['李娜', 2, 50, 50, 0.5],
      ['王芳', 1, 100, 100, 0],
    ]);
    expect((await call('rep.east2', '/api/reports/coverage')).body.items.map((r: Json) => r.user.name)).toEqual(['王芳']);
  });

  it('reports service: opened, resolved, breaches and satisfaction by category and assignee', async () => {
    const a = (await t.inspect.customers.findOne({ name: '报表甲有限公司' }).lean())!._id.toHexString();
    const quick = (await call('rep.east1', '/api/tickets', { method: 'POST', json: { customerId: a, category: '使用咨询', priority: 'normal', description: '怎么导出', assigneeId: ids.service1 } })).body;
    await call('rep.east1', '/api/tickets', { method: 'POST', json: { customerId: a, category: '故障报修', priority: 'urgent', description: '停机', assigneeId: ids.service1 } });
    await call('service1', `/api/tickets/${quick.id}/transition`, { method: 'POST', json: { action: 'resolve', resolution: '已指导' } });
    await call('rep.east1', `/api/tickets/${quick.id}/satisfaction`, { method: 'POST', json: { score: 5 } });
    clock.advance(5 * hour); // the urgent one passes its 4-hour SLA unresolved
    const report = (await call('director', '/api/reports/service?period=2026-11')).body;
    expect([report.opened, report.resolved, report.breached, report.satisfaction]).toEqual([2, 1, 1, 5]);
    expect(report.byCategory.find((c: Json) => c.category === '故障报修')).toMatchObject({ opened: 1, breached: 1, resolved: 0 });
    expect(report.byAssignee).toEqual([expect.objectContaining({ assignee: { id: ids.service1, name: '周强' }, opened: 2 })]);
    expect((await call('rep.east2', '/api/reports/service?period=2026-11')).body.opened).toBe(0);
  });

  it('keeps the rollups equal to a recomputation after a random mix of writes', async () => {
    // a seeded pseudo-random sequence, so a failure can be replayed
    let seed = 20261124;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
    const reps: DemoLogin[] = ['rep.east1', 'rep.east2', 'rep.east3'];
    const made: { id: string; owner: DemoLogin }[] = [];
    const merged: { mergeId: string; survivor: { id: string; owner: DemoLogin }; gone: { id: string; owner: DemoLogin }; ownerBefore: DemoLogin }[] = [];
    let merges = 0;
    let undone = 0;
    for (let step = 0; step < 80; step++) {
      clock.advance(Math.floor(random() * 20) * hour);
      const action = random();
      if (action < 0.3 || made.length < 3) {
        const owner = pick(reps);
        made.push({ id: await customer(owner, `随机报表${step}号有限公司`, pick(['浙江省', '江苏省', '上海市'])), owner });
      } else if (action < 0.5) {
        const c = pick(made);
        await call(c.owner, `/api/customers/${c.id}/follow-ups`, { method: 'POST', json: { method: pick(['visit', 'call', 'wechat']), content: '随机跟进', location: { lat: 30, lng: 120 }, ...(random() < 0.3 ? { stage: pick(['prospect', 'customer']) } : {}) } });
      } else if (action < 0.6) {
        const c = pick(made);
        const to = pick(reps);
        if ((await call('manager.east', `/api/customers/${c.id}/transfer`, { method: 'POST', json: { toUserId: ids[to] } })).status === 200) c.owner = to;
      } else if (action < 0.68) {
        const c = pick(made);
        await call('manager.east', `/api/customers/${c.id}`, { method: 'DELETE' });
        if (random() < 0.5) await call('manager.east', `/api/customers/${c.id}/restore`, { method: 'POST' });
      } else if (action < 0.76) {
        const c = pick(made);
        if ((await call(c.owner, `/api/customers/${c.id}/release`, { method: 'POST', json: { reason: '随机放入公海' } })).status === 200) {
          const claimer = pick(reps);
          if ((await call(claimer, `/api/customers/${c.id}/claim`, { method: 'POST' })).status === 200) c.owner = claimer;
        }
      } else if (action < 0.84) {
        const c = pick(made);
        const current = (await call('manager.east', `/api/customers/${c.id}`)).body;
        if (current.version) await call('manager.east', `/api/customers/${c.id}`, { method: 'PATCH', json: { version: current.version, region: { province: pick(['浙江省', '广东省']) }, stage: pick(['lead', 'prospect']) } });
      } else if (action < 0.95 && made.length >= 4) {
        if (merged.length && random() < 0.5) {
          // undo a merge: the merged customer returns, the survivor's owner as it was
          const m = merged.splice(Math.floor(random() * merged.length), 1)[0]!;
          const undo = await call('manager.east', `/api/merges/${m.mergeId}/undo`, { method: 'POST' });
          if (undo.status === 200) {
            made.push(m.gone);
            m.survivor.owner = m.ownerBefore;
            undone++;
          }
        } else {
          const survivor = pick(made);
          const gone = pick(made.filter((c) => c !== survivor));
          const choices = { ...(random() < 0.5 ? { ownerId: 'merged' } : {}), ...(random() < 0.5 ? { region: 'merged' } : {}) };
          const done = await call('manager.east', `/api/customers/${survivor.id}/merge`, { method: 'POST', json: { mergedId: gone.id, choices } });
          if (done.status === 200) {
            merges++;
            made.splice(made.indexOf(gone), 1);
            merged.push({ mergeId: done.body.id, survivor, gone, ownerBefore: survivor.owner });
            if (choices.ownerId) survivor.owner = gone.owner;
          }
        }
      } else {
        const c = pick(made);
        const opp = await call(c.owner, '/api/opportunities', { method: 'POST', json: { customerId: c.id, title: '随机商机', amount: String(1000 + step) } });
        if (opp.status === 201) {
          await call(c.owner, `/api/opportunities/${opp.body.id}/stage`, { method: 'POST', json: { stage: 'won' } });
          if (random() < 0.3) await call(c.owner, `/api/opportunities/${opp.body.id}/stage`, { method: 'POST', json: { stage: 'negotiation' } });
        }
      }
    }
    expect(merges).toBeGreaterThan(0);
    expect(undone).toBeGreaterThan(0);
    const rollups = new Map((await t.inspect.dailyStats.find({ value: { $ne: 0 } }).lean()).map((d) => [d._id, d.value]));
    const recomputed = new Map((await t.app.services.stats.recompute()).map((r) => [`${r.day}:${r.userId.toHexString()}:${r.measure}:${r.province}`, r.value]));
    expect(rollups).toEqual(recomputed);
    // and the nightly rebuild finds nothing to correct
    expect((await t.app.services.stats.rebuild()).corrected).toBe(0);
  });
});
