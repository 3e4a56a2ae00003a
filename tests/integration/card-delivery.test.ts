// Cards to WeCom respect its send limit of 30 a minute per member: extra cards wait in a queue and
// go as slots free up; rate-limited sends are retried with backoff. Nothing is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { FakeWeCom } from '../fakes/wecom/server.ts';
import { buildApp } from '../../server/src/app.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const fake = new FakeWeCom({ corpId: 'wwkemai', agentId: '1000002', secret: 's', token: 't', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let managerId = '';

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({
    clock,
    env: { WECOM_CORP_ID: 'wwkemai', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 's', WECOM_API_BASE: fake.baseUrl, SESSION_TTL_HOURS: '10000' },
  });
  await t.inspect.users.updateOne({ login: 'manager.east' }, { $set: { 'accounts.wecom': 'zhangwei' } });
  managerId = (await t.inspect.users.findOne({ login: 'manager.east' }).lean())!._id.toHexString();
});
afterAll(async () => {
  await t.close();
  await fake.stop();
});

const digest = (i: number) => ({ id: `digest-${i}`, data: { kind: 'dailyDigest' as const, date: '2026-11-24', newCustomers: i, followUps: 0, visits: 0, dueToday: 0, overdue: 0 } });

describe('card delivery', () => {
  it('spreads 100 cards to one member over minutes, at most 30 in any minute, losing none', async () => {
    const statuses = [];
    for (let i = 0; i < 100; i++) statuses.push(...(await t.app.services.cards.send(digest(i), [managerId])));
    expect(statuses.filter((s) => s.status === 'sent')).toHaveLength(30);
    expect(statuses.filter((s) => s.status === 'queued')).toHaveLength(70);
    expect(fake.sent).toHaveLength(30);

    for (let minute = 1; minute <= 3; minute++) {
      clock.advance(60_000);
      await t.app.services.cards.deliverDue();
      expect(fake.sent).toHaveLength(Math.min(100, 30 * (minute + 1)));
    }
    expect(await t.inspect.pendingCards.countDocuments()).toBe(0);
    const sentIds = fake.sent.map((m) => m.body.template_card.main_title.desc);
    expect(new Set(sentIds).size).toBe(100);

    const times = (await t.inspect.deliveries.find({ platformUserId: 'zhangwei' }).lean()).map((d) => d.createdAt.getTime()).sort((a, b) => a - b);
    for (let i = 0; i + 30 < times.length; i++) expect(times[i + 30]! - times[i]!).toBeGreaterThanOrEqual(60_000);
  });

  it('retries through server errors and a lost answer, and the member sees the card once', async () => {
    clock.advance(10 * 60_000);
    // two 502s: nothing reaches WeCom; the card waits and goes on the third try
    fake.serverErrorNext = 2;
    const [first] = await t.app.services.cards.send(digest(3000), [managerId]);
    expect(first!.status).toBe('queued');
    for (const wait of [10_000, 20_000]) {
      clock.advance(wait);
      await t.app.services.cards.deliverDue();
    }
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'digest-3000', status: 'sent' })).toBe(1);
    expect(fake.sent.filter((m) => m.body.template_card.main_title.desc.includes('3000'))).toHaveLength(1);

    // WeCom shows the card but the answer never comes back: Kemai sends it again, and WeCom's
    // duplicate check keeps the member from seeing it twice
    fake.dropAnswerNext = 1;
    const before = fake.sent.length;
    const [second] = await t.app.services.cards.send(digest(3001), [managerId]);
    expect(second!.status).toBe('queued');
    expect(fake.sent.length).toBe(before + 1);
    clock.advance(10_000);
    await t.app.services.cards.deliverDue();
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'digest-3001', status: 'sent' })).toBe(1);
    expect(fake.sent.length).toBe(before + 1);
    expect(await t.inspect.pendingCards.countDocuments()).toBe(0);
  });

  it('retries a rate-limited send with backoff, and records a card that can never go', async () => {
    clock.advance(10 * 60_000);
    fake.rateLimitNext = 2;
    const [first] = await t.app.services.cards.send(digest(1000), [managerId]);
    expect(first!.status).toBe('queued');
    const pending = await t.inspect.pendingCards.findOne().lean();
    expect(pending).toMatchObject({ attempts: 1, lastError: expect.stringContaining('45009') });
    clock.advance(10_000);
    await t.app.services.cards.deliverDue(); // still limited: waits longer
    expect((await t.inspect.pendingCards.findOne().lean())!.attempts).toBe(2);
    clock.advance(20_000);
    await t.app.services.cards.deliverDue();
    expect(await t.inspect.pendingCards.countDocuments()).toBe(0);
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'digest-1000', status: 'sent' })).toBe(1);

    // nobody at the platform: a permanent error, recorded on the delivery
    fake.users.splice(0, fake.users.length);
    const [never] = await t.app.services.cards.send(digest(2000), [managerId]);
    expect(never!.status).toBe('failed');
    expect(await t.inspect.deliveries.findOne({ cardId: 'digest-2000' }).lean()).toMatchObject({ status: 'failed', error: expect.stringContaining('81013') });
  });
  it('keeps the per-member limit when two server processes deliver the same queue at once', async () => {
    await t.inspect.users.updateOne({ login: 'rep.east1' }, { $set: { 'accounts.wecom': 'lina' } });
    const repId = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!._id.toHexString();
    // the test before emptied the fake's directory: lina is a member again
    if (!fake.users.some((u) => u.userid === 'lina')) fake.users.push({ userid: 'lina', name: '李娜', department: [2], main_department: 2, is_leader_in_dept: [0], status: 1 });
    const db = await openTestDatabase(t.db.dbName);
    const other = buildApp({ config: t.config, logger: createLogger({ level: 'silent' }), connection: db.connection, sessionSecret: 'test-secret-of-at-least-thirty-two-characters', h5DistDir: '/nonexistent', clock });
    try {
      clock.advance(10 * 60_000);
      for (let i = 0; i < 80; i++) await t.app.services.cards.send(digest(1000 + i), [repId]);
      const toLina = () => fake.sent.filter((m) => m.body.touser === 'lina').length;
      expect(toLina()).toBe(30);
      // the next minute: both processes at the queue together, twice each
      clock.advance(61_000);
      await Promise.all([t.app.services.cards.deliverDue(), other.services.cards.deliverDue(), t.app.services.cards.deliverDue(), other.services.cards.deliverDue()]);
      expect(toLina()).toBe(60);
      clock.advance(61_000);
      await Promise.all([other.services.cards.deliverDue(), t.app.services.cards.deliverDue()]);
      expect(toLina()).toBe(80);
    } finally {
      await db.connection.close();
    }
  });
});
