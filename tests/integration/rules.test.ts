// The reminder rules over simulated weeks: who is alerted when, escalation, quiet hours, racing
// workers, follow-ups due and pool reclaim. The clock moves; nothing waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { JobRunner } from '../../server/src/core/jobs/runner.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { defineRuleJobs, ruleJob } from '../../server/src/modules/rules/rules.jobs.ts';
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

const create = async (login: DemoLogin, name: string, extra: Json = {}) => {
  const response = await t.request('/api/customers', { method: 'POST', token: tokens[login], json: { type: 'company', name, industry: '物流', source: '官网', ...extra } });
  expect(response.status).toBe(201);
  return ((await response.json()) as Json).id as string;
};
const cardsOf = async (login: DemoLogin) => (await t.inspect.outbox.find({ userId: ids[login] }).sort({ createdAt: 1, _id: 1 }).lean()).map((e) => e.card);
const run = (kind: 'staleCustomers' | 'followUpDue' | 'poolReclaim' | 'birthday' | 'dataQuality' | 'dailyDigest') => t.app.services.rules.run(kind);
/** Moves the clock forward to the next time it is `hour`:00 in Shanghai. */
const nextShanghaiHour = (hour: number) => {
  const shanghai = 8 * 3_600_000;
  const now = clock.now().getTime();
  let next = Math.floor((now + shanghai) / day) * day + hour * 3_600_000 - shanghai;
  while (next <= now) next += day;
  clock.set(new Date(next));
};

describe('stale customers', () => {
  it('reminds the owner after 3 days, copies the manager after 5, once a day', async () => {
    const id = await create('rep.east1', '提醒规则甲有限公司');
    clock.advance(2 * day);
    expect(await run('staleCustomers')).toMatchObject({ alerts: 0 });

    clock.advance(day); // idle 3 days
    expect((await run('staleCustomers')).alerts).toBe(1);
    expect(await run('staleCustomers')).toMatchObject({ alerts: 0 }); // the same day again: nothing new
    const [first] = await cardsOf('rep.east1');
    expect(first!.data).toEqual({ kind: 'staleCustomers', customers: [{ id, name: '提醒规则甲有限公司', idleDays: 3 }], total: 1 });
    expect(await cardsOf('manager.east')).toEqual([]);

    clock.advance(2 * day); // idle 5 days: escalated
    expect((await run('staleCustomers')).alerts).toBe(2);
    expect((await cardsOf('manager.east'))[0]!.data).toMatchObject({ customers: [{ id, idleDays: 5 }] });

    // a follow-up ends it
    await t.request(`/api/customers/${id}/follow-ups`, { method: 'POST', token: tokens['rep.east1'], json: { method: 'call', content: '终于联系上' } });
    clock.advance(day);
    expect((await run('staleCustomers')).alerts).toBe(0);
  });

  it('lists five in one card with the count of the rest', async () => {
    for (let i = 0; i < 7; i++) await create('rep.south2', `批量提醒${i}号有限公司`);
    clock.advance(4 * day);
    await run('staleCustomers');
    const cards = await cardsOf('rep.south2');
    expect(cards).toHaveLength(1);
    const data = cards[0]!.data as Json;
    expect([data.customers.length, data.total]).toEqual([5, 7]);
  });

  it('holds alerts in quiet hours until the window ends, and sends them then', async () => {
    const owner: DemoLogin = 'rep.south3';
    await create(owner, '夜间提醒有限公司');
    clock.advance(3 * day);
    clock.set(new Date(Math.floor(clock.now().getTime() / day) * day + 14 * 3_600_000)); // 22:00 in Shanghai
    const held = await run('staleCustomers');
    expect(held.alerts).toBe(0);
    expect(held.deferredUntil!.toISOString()).toBe(new Date(Math.floor(clock.now().getTime() / day) * day + day).toISOString()); // 08:00 next day
    expect(await cardsOf(owner)).toEqual([]);
    clock.set(held.deferredUntil!);
    expect((await run('staleCustomers')).alerts).toBeGreaterThan(0);
    expect(await cardsOf(owner)).toHaveLength(1);
  });

  it('sends each alert once when two workers run the same rule at the same time', async () => {
    clock.advance(day);
    const [a, b] = await Promise.all([run('staleCustomers'), run('staleCustomers')]);
    const total = a.alerts + b.alerts;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(clock.now());
    expect(await t.inspect.alerts.countDocuments({ rule: 'staleCustomers', period: today })).toBe(total);
    const cardIds = (await t.inspect.outbox.find({ 'card.id': { $regex: today } }).lean()).map((e) => `${e.userId}:${e.card.id}`);
    expect(new Set(cardIds).size).toBe(cardIds.length);
  });
});

describe('snooze from the card', () => {
  it('"明天提醒" puts the customers off for one day, then they come back', async () => {
    const id = await create('rep.east1', '稍后提醒有限公司');
    clock.advance(4 * day);
    nextShanghaiHour(10);
    await run('staleCustomers');
    const entry = (await t.inspect.outbox.find({ userId: ids['rep.east1'] }).sort({ createdAt: -1 }).lean())[0]!;
    expect((entry.card.data as Json).customers.map((c: Json) => c.id)).toContain(id);
    const press = await t.request(`/api/dev/outbox/${entry._id}/action`, { method: 'POST', token: tokens['rep.east1'], json: { action: 'snooze' } });
    expect(((await press.json()) as Json).outcome).toEqual({ text: '明天再提醒 · 李娜' });

    nextShanghaiHour(9); // the next morning: still put off
    expect((await run('staleCustomers')).deferredUntil).toBeUndefined();
    const next = (await t.inspect.outbox.find({ userId: ids['rep.east1'] }).sort({ createdAt: -1 }).lean())[0]!;
    expect(next._id.equals(entry._id) || !(next.card.data as Json).customers.some((c: Json) => c.id === id)).toBe(true);

    nextShanghaiHour(9); // a day later it is back
    await run('staleCustomers');
    const later = (await t.inspect.outbox.find({ userId: ids['rep.east1'] }).sort({ createdAt: -1 }).lean())[0]!;
    expect((later.card.data as Json).customers.map((c: Json) => c.id)).toContain(id);
  });
});

describe('follow-ups due', () => {
  it('lists today’s and overdue follow-ups to their owner, overdue first', async () => {
    const today = await create('rep.east3', '今日到期有限公司');
    const late = await create('rep.east3', '已经逾期有限公司');
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    await t.request(`/api/customers/${today}/follow-ups`, { method: 'POST', token: tokens['rep.east3'], json: { method: 'call', content: '约了下次', nextFollowUpAt: at(2 * 3_600_000) } });
    await t.request(`/api/customers/${late}/follow-ups`, { method: 'POST', token: tokens['rep.east3'], json: { method: 'call', content: '本该昨天', nextFollowUpAt: at(-day) } });
    await run('followUpDue');
    const card = (await cardsOf('rep.east3')).find((c) => c.data.kind === 'followUpDue')!;
    expect((card.data as Json).items.map((i: Json) => [i.id, i.overdue])).toEqual([
      [late, true],
      [today, false],
    ]);
  });
});

describe('pool reclaim', () => {
  it('warns three days ahead, then moves the customer to the pool, where its former owner waits out the cool-down', async () => {
    const id = await create('rep.east2', '回收公海测试有限公司');
    const lockedId = await create('rep.east2', '重点客户锁定有限公司');
    expect((await t.request(`/api/customers/${lockedId}`, { method: 'PATCH', token: tokens['rep.east2'], json: { locked: true } })).status).toBe(403);
    const locked = await t.request(`/api/customers/${lockedId}`, { method: 'PATCH', token: tokens['manager.east'], json: { locked: true } });
    expect(((await locked.json()) as Json).locked).toBe(true);
    clock.advance(12 * day); // leads go after 15 days
    await run('poolReclaim'); // customers of earlier tests, idle long enough, go now
    expect((await t.inspect.customers.findById(id).lean())!.ownerId!.toHexString()).toBe(ids['rep.east2']);
    const warning = (await cardsOf('rep.east2')).find((c) => c.data.kind === 'poolReclaimWarning')!;
    expect((warning.data as Json).customers).toContainEqual({ id, name: '回收公海测试有限公司', daysLeft: 3 });

    clock.advance(3 * day);
    const reclaimed = await run('poolReclaim');
    expect(reclaimed.reclaimed).toBeGreaterThanOrEqual(1);
    const customer = await t.inspect.customers.findById(id).lean();
    expect([customer!.ownerId, customer!.pool?.reason]).toEqual([null, '长期未跟进，自动回收公海']);
    const kept = (await t.inspect.customers.findById(lockedId).lean())!;
    expect(kept.ownerId!.toHexString()).toBe(ids['rep.east2']); // locked: exempt
    const timeline = (await (await t.request(`/api/customers/${id}`, { token: tokens.admin })).json()) as Json;
    expect(timeline.pool.name).toBe('公海');
    expect((await t.request(`/api/customers/${id}/claim`, { method: 'POST', token: tokens['rep.east2'] })).status).toBe(403);
  });
});

describe('birthdays', () => {
  it('tells the owner three days ahead, for person-customers and contacts, and on 28 February for the 29th', async () => {
    const shanghaiDay = (offsetDays: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(clock.now().getTime() + offsetDays * day));
    nextShanghaiHour(9);
    const inThreeDays = shanghaiDay(3);
    const person = await create('manager.south', '寿星本人', { type: 'person', industry: undefined, birthday: `1980${inThreeDays.slice(4)}` });
    const company = await create('manager.south', '生日联系人有限公司');
    await t.request(`/api/customers/${company}/contacts`, { method: 'POST', token: tokens['manager.south'], json: { name: '周总', birthday: `1975${inThreeDays.slice(4)}` } });
    await t.request(`/api/customers/${company}/contacts`, { method: 'POST', token: tokens['manager.south'], json: { name: '已离职', birthday: `1975${inThreeDays.slice(4)}`, leftCompany: true } });
    await run('birthday');
    const card = (await cardsOf('manager.south')).find((c) => c.data.kind === 'birthday')!;
    const people = (card.data as Json).people;
    expect(people.map((p: Json) => [p.person, p.customer.id]).sort()).toEqual([
      ['周总', company],
      ['寿星本人', person],
    ]);
    expect(people[0].greeting).toContain('生日快乐');

    // born on 29 February: in 2027 the reminder comes for the 28th
    const leapling = await create('rep.south1', '闰日生日有限公司');
    await t.request(`/api/customers/${leapling}/contacts`, { method: 'POST', token: tokens['rep.south1'], json: { name: '林小闰', birthday: '1992-02-29' } });
    clock.set('2027-02-25T01:00:00Z'); // 09:00 in Shanghai, three days before 28 February
    await run('birthday');
    const leap = (await cardsOf('rep.south1')).find((c) => c.data.kind === 'birthday')!;
    expect((leap.data as Json).people.map((p: Json) => p.person)).toEqual(['林小闰']);
  });
});

describe('data quality', () => {
  it('tells each owner how many of their customers still miss key fields', async () => {
    await create('director', '资料不全甲有限公司');
    await create('director', '资料不全乙有限公司', { phones: ['13512345678'], level: 'A', region: { province: '广东', city: '深圳' } });
    nextShanghaiHour(10);
    await run('dataQuality');
    const card = (await cardsOf('director')).find((c) => c.data.kind === 'dataQuality')!;
    expect(card.data).toMatchObject({ incomplete: 1 });
  });
});

describe('daily digest', () => {
  it('gives each manager their team’s day, and the director the whole sales centre', async () => {
    nextShanghaiHour(9);
    const id = await create('rep.east2', '简报客户有限公司');
    await t.request(`/api/customers/${id}/follow-ups`, { method: 'POST', token: tokens['rep.east2'], json: { method: 'visit', content: '拜访' } });
    await t.request(`/api/customers/${id}/follow-ups`, { method: 'POST', token: tokens['rep.east2'], json: { method: 'call', content: '电话', stage: 'prospect' } });
    // a stage moved by editing the customer counts too
    const other = await create('rep.east2', '简报改阶段有限公司');
    const version = ((await (await t.request(`/api/customers/${other}`, { token: tokens['rep.east2'] })).json()) as Json).version;
    expect((await t.request(`/api/customers/${other}`, { method: 'PATCH', token: tokens['rep.east2'], json: { version, stage: 'customer' } })).status).toBe(200);
    nextShanghaiHour(18);
    await run('dailyDigest');
    const east = (await cardsOf('manager.east')).find((c) => c.data.kind === 'dailyDigest')!;
    expect(east.data).toMatchObject({ newCustomers: 2, followUps: 2, visits: 1, stageMoves: 2 });
    expect((east.data as Json).silent).toEqual(expect.arrayContaining(['李娜', '刘洋']));
    expect((east.data as Json).silent).not.toContain('王芳');
    const south = (await cardsOf('manager.south')).find((c) => c.data.kind === 'dailyDigest')!;
    expect(south.data).toMatchObject({ newCustomers: 0, followUps: 0 });
    const director = (await cardsOf('director')).find((c) => c.data.kind === 'dailyDigest')!;
    expect((director.data as Json).followUps).toBeGreaterThanOrEqual(2);
    expect(await cardsOf('rep.east2')).not.toContainEqual(expect.objectContaining({ data: expect.objectContaining({ kind: 'dailyDigest' }) }));
  });
});

describe('rules as data', () => {
  it('are edited by admins only, with checked parameters; a disabled rule stays silent', async () => {
    expect((await t.request('/api/rules', { token: tokens['rep.east1'] })).status).toBe(403);
    const list = (await (await t.request('/api/rules', { token: tokens.admin })).json()) as Json;
    expect(list.items.map((r: Json) => r._id).sort()).toEqual(['birthday', 'contractEnding', 'dailyDigest', 'dataQuality', 'followUpDue', 'opportunityIdle', 'paymentDue', 'poolReclaim', 'staleCustomers']);
    const bad = await t.request('/api/rules/staleCustomers', { method: 'PUT', token: tokens.admin, json: { params: { days: { lead: 0, prospect: 7, customer: 30 } } } });
    expect(bad.status).toBe(400);
    const off = await t.request('/api/rules/staleCustomers', { method: 'PUT', token: tokens.admin, json: { enabled: false } });
    expect(((await off.json()) as Json).enabled).toBe(false);
    clock.advance(day);
    expect(await run('staleCustomers')).toEqual({ rule: 'staleCustomers', alerts: 0 });
    await t.request('/api/rules/staleCustomers', { method: 'PUT', token: tokens.admin, json: { enabled: true } });
  });

  it('previews what a rule would send and reclaim, sending nothing', async () => {
    await create('rep.south3', '预览提醒有限公司');
    clock.advance(4 * day);
    nextShanghaiHour(10);
    const before = await t.inspect.outbox.countDocuments();
    expect((await t.request('/api/rules/staleCustomers/preview', { token: tokens['rep.south3'] })).status).toBe(403);
    const preview = (await (await t.request('/api/rules/staleCustomers/preview', { token: tokens.admin })).json()) as Json;
    const mine = preview.cards.find((c: Json) => c.recipient.name === '黄敏');
    expect(mine.data.customers.map((c: Json) => c.name)).toContain('预览提醒有限公司');
    expect(await t.inspect.outbox.countDocuments()).toBe(before);
    // narrowed with the customer list's filters: only level A customers
    await t.request('/api/rules/staleCustomers', { method: 'PUT', token: tokens.admin, json: { params: { days: { lead: 3, prospect: 7, customer: 30 }, escalateAfter: 2, filter: { level: 'A' } } } });
    const narrowed = (await (await t.request('/api/rules/staleCustomers/preview', { token: tokens.admin })).json()) as Json;
    expect(narrowed.cards.some((c: Json) => c.data.customers.some((x: Json) => x.name === '预览提醒有限公司'))).toBe(false);
    await t.request('/api/rules/staleCustomers', { method: 'PUT', token: tokens.admin, json: { params: { days: { lead: 3, prospect: 7, customer: 30 }, escalateAfter: 2 } } });
    const reclaim = (await (await t.request('/api/rules/poolReclaim/preview', { token: tokens.admin })).json()) as Json;
    expect(Array.isArray(reclaim.reclaim)).toBe(true);
  });

  it('shows admins where each alert stands', async () => {
    expect((await t.request('/api/rules/alerts', { token: tokens['rep.east1'] })).status).toBe(403);
    const body = (await (await t.request('/api/rules/alerts?limit=200', { token: tokens.admin })).json()) as Json;
    expect(body.items.length).toBeGreaterThan(0);
    expect(new Set(body.items.map((a: Json) => a.status))).toEqual(new Set(['sent', 'acted']));
    expect(body.items.find((a: Json) => a.status === 'acted')).toMatchObject({ rule: 'staleCustomers', recipient: { name: '李娜' } });
  });

  it('runs as a real Agenda job', async () => {
    await create('rep.east1', '定时任务提醒有限公司');
    clock.advance(3 * day);
    const runner = new JobRunner({ db: t.db.connection.db!, logger: createLogger({ level: 'silent' }), processEveryMs: 100 });
    defineRuleJobs(runner, t.app.services.rules);
    await runner.start();
    try {
      const before = await t.inspect.alerts.countDocuments();
      // the run is over only when Agenda says so (its first alert comes before its last)
      const finished = new Promise((resolve) => runner.agenda.once(`complete:${ruleJob('staleCustomers')}`, resolve));
      await runner.agenda.now(ruleJob('staleCustomers'), {});
      await finished;
      expect(await t.inspect.alerts.countDocuments()).toBeGreaterThan(before);
    } finally {
      await runner.stop();
    }
  });

  it('is retried by Agenda with backoff when a run fails, and succeeds once the cause is gone', async () => {
    await create('rep.east2', '重试任务提醒有限公司');
    clock.advance(3 * day);
    const runner = new JobRunner({ db: t.db.connection.db!, logger: createLogger({ level: 'silent' }), processEveryMs: 100, retry: { delayMs: 300, maxRetries: 3 } });
    defineRuleJobs(runner, t.app.services.rules);
    const retries: number[] = [];
    runner.agenda.on(`retry:${ruleJob('staleCustomers')}`, (_job: unknown, info: { attempt: number }) => retries.push(info.attempt));
    // a rule stored with parameters the code cannot read: every run throws until it is fixed
    const good = (await t.inspect.rules.findById('staleCustomers').lean())!.params;
    await t.inspect.rules.updateOne({ _id: 'staleCustomers' }, { $set: { params: { days: 'three' } } });
    await runner.start();
    try {
      // only this rule's alerts: jobs left scheduled by earlier tests may run alongside
      const stale = () => t.inspect.alerts.countDocuments({ rule: 'staleCustomers' });
      const before = await stale();
      await runner.agenda.now(ruleJob('staleCustomers'), {});
      await expect.poll(() => retries.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      expect(await stale()).toBe(before);
      await t.inspect.rules.updateOne({ _id: 'staleCustomers' }, { $set: { params: good } });
      await expect.poll(stale, { timeout: 10_000 }).toBeGreaterThan(before);
    } finally {
      await runner.stop();
    }
  });
});
