// Sales targets (业绩目标): set by managers for their people and departments, rolled up month →
// quarter → year and person → department, with progress measured from what was really done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { apiCall } from '../helpers/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
// Tuesday 24 November 2026, 10:00 in Shanghai
const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let eastDepartment = '';

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
  eastDepartment = (await t.inspect.users.findById(ids['rep.east1']).lean())!.departmentId!.toHexString();
});
afterAll(() => t.close());

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
const setTarget = (login: DemoLogin, json: Json) => call(login, '/api/targets', { method: 'PUT', json });
const progress = (login: DemoLogin, query: string) => call(login, `/api/targets/progress?${query}`);

describe('sales targets', () => {
  it('are set by the managers above, and read by the person, their managers, directors and admins', async () => {
    expect((await setTarget('manager.east', { subject: 'user', subjectId: ids['rep.east1'], month: '2026-11', metrics: { signedFen: 10_000_000, collectedFen: 5_000_000, newCustomers: 4, visits: 5 } })).status).toBe(200);
    expect((await setTarget('manager.east', { subject: 'user', subjectId: ids['rep.east2'], month: '2026-11', metrics: { signedFen: 5_000_000 } })).status).toBe(200);
    expect((await setTarget('manager.east', { subject: 'department', subjectId: eastDepartment, month: '2026-12', metrics: { signedFen: 30_000_000 } })).status).toBe(200);
    expect((await setTarget('rep.east1', { subject: 'user', subjectId: ids['rep.east1'], month: '2026-11', metrics: { visits: 1 } })).status).toBe(403);
    expect((await setTarget('manager.south', { subject: 'user', subjectId: ids['rep.east1'], month: '2026-11', metrics: { visits: 1 } })).status).toBe(404);
    expect((await setTarget('manager.east', { subject: 'user', subjectId: ids['rep.east1'], month: '2026-13', metrics: { visits: 1 } })).status).toBe(400);
    expect((await progress('rep.east1', 'period=2026-11')).status).toBe(200);
    expect((await progress('rep.east2', `subject=user&subjectId=${ids['rep.east1']}&period=2026-11`)).status).toBe(404);
    expect((await progress('manager.south', `subject=department&subjectId=${eastDepartment}&period=2026-11`)).status).toBe(404);
    for (const login of ['manager.east', 'director', 'admin'] as const) expect((await progress(login, `subject=user&subjectId=${ids['rep.east1']}&period=2026-11`)).status).toBe(200);
  });

  it('measures progress from contracts signed, money collected, customers won and visits made', async () => {
    const made = [];
    for (const name of ['目标进度甲有限公司', '目标进度乙有限公司']) {
      made.push((await call('rep.east1', '/api/customers', { method: 'POST', json: { type: 'company', name, industry: '教育', source: '官网' } })).body.id as string);
    }
    for (let i = 0; i < 3; i++) await call('rep.east1', `/api/customers/${made[0]}/follow-ups`, { method: 'POST', json: { method: 'visit', content: `第${i + 1}次拜访`, location: { lat: 31.2, lng: 121.4 } } });
    await call('rep.east1', `/api/customers/${made[1]}/follow-ups`, { method: 'POST', json: { method: 'call', content: '电话不算拜访' } });
    const contract = (await call('rep.east1', '/api/contracts', { method: 'POST', json: { customerId: made[0], title: '目标合同', amount: '80000', signedOn: '2026-11-10', plan: [{ dueOn: '2026-12-31', amount: '80000' }] } })).body;
    const approval = (await call('rep.east1', `/api/contracts/${contract.id}/submit`, { method: 'POST' })).body;
    await call('manager.east', `/api/approvals/${approval.id}/decision`, { method: 'POST', json: { decision: 'approve' } });
    await call('rep.east1', `/api/contracts/${contract.id}/payments`, { method: 'POST', json: { instalmentId: contract.plan[0].id, amount: '30000', receivedOn: '2026-11-20', method: '银行转账' } });

    const november = (await progress('rep.east1', 'period=2026-11')).body;
    expect(november.target).toEqual({ signedFen: 10_000_000, collectedFen: 5_000_000, newCustomers: 4, visits: 5 });
    expect(november.actual).toEqual({ signedFen: 8_000_000, collectedFen: 3_000_000, newCustomers: 2, visits: 3 });
    expect(november.completion).toEqual({ signedFen: 80, collectedFen: 60, newCustomers: 50, visits: 60 });
    expect((await progress('rep.east1', 'period=2026-10')).body.actual).toEqual({ signedFen: 0, collectedFen: 0, newCustomers: 0, visits: 0 });
  });

  it('rolls up months into quarters and years, and people into their department unless it has its own', async () => {
    const quarter = (await progress('manager.east', `subject=department&subjectId=${eastDepartment}&period=2026-Q4`)).body;
    // November from the two reps' targets, December from the department's own
    expect(quarter.target.signedFen).toBe(10_000_000 + 5_000_000 + 30_000_000);
    expect(quarter.actual.signedFen).toBe(8_000_000);
    const year = (await progress('rep.east1', 'period=2026')).body;
    expect([year.target.signedFen, year.actual.visits]).toEqual([10_000_000, 3]);
    // the sales centre above rolls up everyone below it
    const centre = (await t.inspect.departments.findOne({ name: '销售中心' }).lean())!._id.toHexString();
    const whole = (await progress('director', `subject=department&subjectId=${centre}&period=2026-11`)).body;
    expect([whole.target.signedFen, whole.actual.collectedFen]).toEqual([15_000_000, 3_000_000]);
    expect((await progress('rep.east1', 'period=2026-W47')).status).toBe(400);
  });
});
