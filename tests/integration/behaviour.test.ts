// Behaviour events from the company's site: the public endpoint refuses a bad key, a bad origin and
// a flood (storing nothing of them), ties events to customers by signed link ids, phones and the
// visitor seen before, shows them on the profile, tells a pool customer's last owner, and rolls old
// events into daily counts once. The clock moves; nothing waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const day = 86_400_000;
const clock = new ManualClock('2026-11-24T02:00:00Z');
const origin = 'https://www.example-corp.cn';
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let key = '';
let customerId = '';

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000', TRACK_RATE_PER_MINUTE: '120' } });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
  const site = await t.request('/api/tracking-sites', { method: 'POST', token: tokens.admin, json: { name: '官网', origins: [`${origin}/`] } });
  key = ((await site.json()) as Json).key;
  const created = await t.request('/api/customers', { method: 'POST', token: tokens['rep.east1'], json: { type: 'company', name: '行为数据有限公司', industry: '教育', source: '官网', phones: ['13912345678'] } });
  customerId = ((await created.json()) as Json).id;
});
afterAll(() => t.close());

/** A beacon as the snippet sends it: text/plain JSON from the site's origin. */
const beacon = (events: Json[], options: { key?: string; origin?: string } = {}) =>
  t.request('/api/track', {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: options.origin ?? origin },
    body: JSON.stringify({ key: options.key ?? key, events }),
  });
const view = (visitorId: string, url = `${origin}/pricing`, extra: Json = {}) => ({ type: 'page_view', visitorId, url, title: '价格方案', at: clock.now().getTime(), ...extra });
const stored = () => t.inspect.events.countDocuments();

describe('the tracking endpoint', () => {
  it('serves the snippet, and refuses a wrong key or origin without storing anything', async () => {
    const snippet = await t.request('/api/track/snippet.js');
    expect(snippet.headers.get('content-type')).toMatch(/javascript/);
    expect(await snippet.text()).toContain('sendBeacon');
    const before = await stored();
    expect((await beacon([view('visitor-aaaa')], { key: `ks_${'0'.repeat(32)}` })).status).toBe(403);
    expect((await beacon([view('visitor-aaaa')], { origin: 'https://evil.example' })).status).toBe(403);
    expect((await beacon([view('bad id!')])).status).toBe(400);
    expect(await stored()).toBe(before);
    const ok = await beacon([view('visitor-aaaa')]);
    expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, origin]);
    expect(await stored()).toBe(before + 1);
  });

  it('limits each address’s rate per site, storing nothing of a batch over the limit', async () => {
    clock.advance(60_000);
    const before = await stored();
    const batch = Array.from({ length: 20 }, (_, i) => view(`flood-visitor-${i}`));
    const answers = [];
    for (let i = 0; i < 7; i++) answers.push((await beacon(batch)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 200, 429]);
    expect(await stored()).toBe(before + 120);
    clock.advance(60_000);
    expect((await beacon(batch.slice(0, 1))).status).toBe(200);
  });
});

describe('events on the profile', () => {
  it('ties events to a customer by a signed link id, by a submitted phone, and by the visitor seen before', async () => {
    const linkId = ((await (await t.request(`/api/customers/${customerId}/track-link`, { method: 'POST', token: tokens['rep.east1'] })).json()) as Json).linkId;
    expect((await t.request(`/api/customers/${customerId}/track-link`, { method: 'POST', token: tokens['rep.east2'] })).status).toBe(404);
    clock.advance(60_000);
    await beacon([view('visitor-link1', `${origin}/pricing`, { linkId })]);
    await beacon([view('visitor-link1', `${origin}/pricing`), view('visitor-link1', `${origin}/cases`)]); // no link id any more: the visitor is known
    await beacon([view('visitor-forged', `${origin}/pricing`, { linkId: `${customerId}.${'A'.repeat(22)}` })]);
    await beacon([{ type: 'form_submit', visitorId: 'visitor-form1', url: `${origin}/contact`, phone: '+86 139 1234 5678' }]);
    expect(await t.inspect.events.countDocuments({ customerId })).toBe(4);
    expect(await t.inspect.events.countDocuments({ visitorId: 'visitor-forged', customerId: null })).toBe(1);

    const behaviour = (await (await t.request(`/api/customers/${customerId}/behaviour`, { token: tokens['rep.east1'] })).json()) as Json;
    expect(behaviour.week[0]).toMatchObject({ type: 'page_view', url: `${origin}/pricing`, count: 2, title: '价格方案' });
    expect(behaviour.recent).toHaveLength(4);
    expect((await t.request(`/api/customers/${customerId}/behaviour`, { token: tokens['rep.south1'] })).status).toBe(404);
    // and they feed segments
    const segment = await t.request('/api/segments', { method: 'POST', token: tokens['rep.east1'], json: { name: '本周访问官网', filter: { onSiteWithinDays: 7 } } });
    expect(((await segment.json()) as Json).count).toBe(1);
  });

  it('tells the last owner once a day when a customer in the pool comes back to the site', async () => {
    const created = await t.request('/api/customers', { method: 'POST', token: tokens['rep.east2'], json: { type: 'company', name: '公海回访有限公司', industry: '教育', source: '官网' } });
    const pooled = ((await created.json()) as Json).id;
    const linkId = ((await (await t.request(`/api/customers/${pooled}/track-link`, { method: 'POST', token: tokens['rep.east2'] })).json()) as Json).linkId;
    expect((await t.request(`/api/customers/${pooled}/release`, { method: 'POST', token: tokens['rep.east2'], json: { reason: '暂无需求' } })).status).toBe(200);
    clock.advance(60_000);
    await beacon([view('visitor-pool1', `${origin}/pricing`, { linkId }), view('visitor-pool1', `${origin}/about`)]);
    await beacon([view('visitor-pool1', `${origin}/cases`)]);
    const cards = (await t.inspect.outbox.find({ userId: ids['rep.east2'] }).lean()).filter((e) => e.card.data.kind === 'poolVisit');
    expect(cards.map((c) => c.card.data)).toEqual([{ kind: 'poolVisit', customer: { id: pooled, name: '公海回访有限公司' }, day: '2026-11-24' }]);
  });
});

describe('retention', () => {
  it('rolls events past the retention age into daily counts, once, and keeps them on the profile', async () => {
    const ours = await t.inspect.events.countDocuments({ customerId });
    clock.advance(92 * day);
    const first = await t.app.services.behaviour.rollUp();
    expect(first.events).toBeGreaterThanOrEqual(ours);
    expect(await t.inspect.events.countDocuments({ customerId })).toBe(0);
    expect(await t.app.services.behaviour.rollUp()).toEqual({ days: 0, events: 0 });
    const daily = await t.inspect.eventDaily.find({ customerId }).lean();
    expect(daily.reduce((sum, d) => sum + d.count, 0)).toBe(ours);
    const behaviour = (await (await t.request(`/api/customers/${customerId}/behaviour`, { token: tokens['rep.east1'] })).json()) as Json;
    expect(behaviour.archived).toEqual({ page_view: 3, form_submit: 1 });
  });
});
