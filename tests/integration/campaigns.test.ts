// Campaigns end to end: a public form submission carrying the campaign becomes a lead, is assigned
// by the campaign's rule, the rep is told, follows up and wins an opportunity, and the campaign's
// results show it (first and last touch, cost per lead, ROI). Invitations tell the owners, check-in
// lands on the timeline, and emails go through a local SMTP sink: tracked links, unsubscribe
// honoured, a per-minute rate, and no second send after a crash mid-send.
import { emailKey } from '../../server/src/modules/standards/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { buildApp } from '../../server/src/app.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { apiCall } from '../helpers/api.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-11-24T02:00:00Z');
const mails: { to: string; raw: string }[] = [];
let sink: SmtpSink;
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let campaignId = '';

beforeAll(async () => {
  // a mailbox that no longer exists is refused for good, as receiving servers do
  sink = await startSmtpSink({
    refuses: (address) => address.startsWith('gone@'),
    onMail: (mail, accept) => {
      mails.push(mail);
      accept();
    },
  });
  const port = sink.port;
  t = await startTestApp({
    clock,
    env: { SESSION_TTL_HOURS: '100000', PUBLIC_URL: 'http://kemai.test', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_SECURE: 'false', SMTP_FROM: '客脉营销 <marketing@kemai.test>', MAIL_RATE_PER_MINUTE: '2' },
  });
  [tokens, ids] = await Promise.all([demoTokens(t), demoUserIds(t)]);
});
afterAll(async () => {
  await t.close();
  await sink?.close();
});

const call = (login: DemoLogin, path: string, init: { method?: string; json?: unknown } = {}) => apiCall(t, tokens[login], path, init);
/** Quoted-printable soft breaks and escapes undone, enough to read a plain-text mail. */
const decode = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('campaigns', () => {
  it('turn a form submission into a lead, assigned and followed to a won deal, in the results', async () => {
    const created = await call('manager.east', '/api/campaigns', { method: 'POST', json: { name: '2026 上海工业展', type: '展会', startOn: '2026-11-20', endOn: '2026-11-30', budget: '20000', cost: '10000' } });
    expect(created.status).toBe(201);
    campaignId = created.body.id;
    expect((await call('rep.east1', `/api/campaigns/${campaignId}`)).body).toMatchObject({ name: '2026 上海工业展', costFen: 1_000_000 });
    expect((await call('rep.east1', '/api/campaigns', { method: 'POST', json: { name: 'x', type: '展会', startOn: '2026-11-20', endOn: '2026-11-30' } })).status).toBe(403);
    const east = (await t.inspect.users.findById(ids['rep.east1']).lean())!.departmentId!.toHexString();
    await call('admin', '/api/lead-rules', { method: 'PUT', json: { rules: [{ name: '工业展', campaignIds: [campaignId], departmentId: east }] } });
    const form = (await call('admin', '/api/lead-forms', { method: 'POST', json: { title: '展会登记', fields: [{ key: 'name', label: '姓名', required: true }, { key: 'company', label: '公司' }, { key: 'phone', label: '手机', required: true }], campaignId } })).body;
    const submitted = await t.request(form.path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name: '孔先生', company: '展会线索机械有限公司', phone: '13500001234' }).toString() });
    expect(submitted.status).toBe(200);
    const lead = (await t.inspect.leadEntries.findOne({ name: '孔先生' }).lean())!;
    expect(lead.campaignId!.toHexString()).toBe(campaignId);
    const rep = lead.assignedTo!.toHexString();
    const login = (Object.entries(ids).find(([, id]) => id === rep)![0]) as DemoLogin;
    expect(await t.inspect.outbox.countDocuments({ userId: rep, 'card.data.kind': 'newLead' })).toBe(1);

    // the rep follows up and wins a deal
    const customerId = lead.customerId.toHexString();
    expect((await call(login, `/api/customers/${customerId}/follow-ups`, { method: 'POST', json: { method: 'call', content: '展会后电话沟通' } })).status).toBe(201);
    const opp = (await call(login, '/api/opportunities', { method: 'POST', json: { customerId, title: '展会订单', amount: '50000' } })).body;
    expect((await call(login, `/api/opportunities/${opp.id}/stage`, { method: 'POST', json: { stage: 'won' } })).body.status).toBe('won');

    const results = (await call('manager.east', `/api/campaigns/${campaignId}/results`)).body;
    expect(results).toMatchObject({ leads: 1, opportunities: 1, won: 1, wonFen: 5_000_000, firstTouchFen: 5_000_000, lastTouchFen: 5_000_000, costPerLeadFen: 1_000_000, roi: 400 });
    expect((await call('rep.east1', `/api/campaigns/${campaignId}/results`)).status).toBe(403);
  });

  it('invites customers, tells their owners, and checks them in at the event', async () => {
    const customer = (await call('rep.east2', '/api/customers', { method: 'POST', json: { type: 'company', name: '受邀参展有限公司', industry: '教育', source: '官网', email: 'boss@invited.cn' } })).body;
    await call('rep.east2', `/api/customers/${customer.id}/contacts`, { method: 'POST', json: { name: '采购经理', phones: ['13600005555'], email: 'buyer@invited.cn' } });
    const invited = await call('manager.east', `/api/campaigns/${campaignId}/participants`, { method: 'POST', json: { customerIds: [customer.id] } });
    expect(invited.body).toEqual({ invited: 1, already: 0 });
    expect((await call('manager.east', `/api/campaigns/${campaignId}/participants`, { method: 'POST', json: { customerIds: [customer.id] } })).body).toEqual({ invited: 0, already: 1 });
    const card = (await t.inspect.outbox.findOne({ userId: ids['rep.east2'], 'card.data.kind': 'campaignInvite' }).lean())!;
    expect(card.card.data).toMatchObject({ name: '2026 上海工业展', customers: [{ id: customer.id, name: '受邀参展有限公司' }] });
    // a rep of another team can invite only customers they can see
    expect((await call('rep.south1', `/api/campaigns/${campaignId}/participants`, { method: 'POST', json: { customerIds: [customer.id] } })).body).toEqual({ invited: 0, already: 0 });
    expect((await call('rep.east2', `/api/campaigns/${campaignId}/participants/${customer.id}`, { method: 'POST', json: { status: 'attended' } })).body.status).toBe('attended');
    const timeline = (await call('rep.east2', `/api/customers/${customer.id}/timeline?limit=20`)).body.items.map((e: Json) => e.type);
    expect(timeline).toEqual(expect.arrayContaining(['campaignInvited', 'campaignAttended']));
    expect((await call('manager.east', `/api/campaigns/${campaignId}/results`)).body).toMatchObject({ invited: 1, attended: 1 });
  });

  it('emails participants at the set rate with tracked links, honours unsubscribe, and never sends twice', async () => {
    const sent = await call('manager.east', `/api/campaigns/${campaignId}/messages`, { method: 'POST', json: { subject: '工业展邀请函', body: '诚邀您参观我们的展位：https://expo.example.cn/booth?id=8 欢迎光临。' } });
    expect(sent.body).toMatchObject({ queued: 2, skipped: 0 });
    await expect.poll(() => mails.length, { timeout: 5000 }).toBe(2);
    expect(mails.map((m) => m.to).sort()).toEqual(['boss@invited.cn', 'buyer@invited.cn']);
    const text = decode(mails[0]!.raw);
    const tracked = /http:\/\/kemai\.test(\/c\/[A-Za-z0-9_-]+\?to=[^\s]+)/.exec(text)![1]!;
    const unsubscribe = /http:\/\/kemai\.test(\/u\/[A-Za-z0-9_-]+)/.exec(text)![1]!;
    expect(text).toContain('List-Unsubscribe');

    const click = await t.request(tracked, { redirect: 'manual' });
    expect([click.status, click.headers.get('location')]).toEqual([302, 'https://expo.example.cn/booth?id=8']);
    expect((await t.request(tracked.replace(/to=.*/, 'to=https%3A%2F%2Fevil.example'), { redirect: 'manual' })).status).toBe(404);
    expect((await t.request(unsubscribe)).status).toBe(200);
    const unsubscribed = mails[0]!.to;

    // the rate is two a minute: a second message waits for the next minute, and skips the unsubscribed address
    const again = await call('manager.east', `/api/campaigns/${campaignId}/messages`, { method: 'POST', json: { subject: '开展提醒', body: '明天开展。' } });
    expect(again.body).toMatchObject({ queued: 1, skipped: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(mails).toHaveLength(2);
    clock.advance(61_000);
    expect(await t.app.services.campaigns.sendQueued()).toEqual({ sent: 1, failed: 0 });
    expect(mails).toHaveLength(3);
    expect(mails[2]!.to).not.toBe(unsubscribed);

    // a send cut short by a crash (claimed, never finished) is not sent again
    const cut = await t.inspect.campaignSends.create({
      messageId: again.body.messageId,
      campaignId,
      customerId: (await t.inspect.campaignSends.findOne({ messageId: again.body.messageId }).lean())!.customerId,
      email: 'late@invited.cn',
      token: 'crashed-send-token-01',
      status: 'sending',
      error: null,
      claimedAt: clock.now(),
      sentAt: null,
      clicks: 0,
    });
    clock.advance(11 * 60_000);
    expect(await t.app.services.campaigns.sendQueued()).toEqual({ sent: 0, failed: 0 });
    expect(mails).toHaveLength(3);
    expect((await t.inspect.campaignSends.findById(cut._id).lean())!.status).toBe('failed');
    const status = (await call('manager.east', `/api/campaigns/${campaignId}/results`)).body.sends;
    expect(status).toMatchObject({ sent: 3, skipped: 1, failed: 1 });
  });

  it('marks the person behind a bounced address as having left, at the weekly cleaning', async () => {
    const customer = (await call('rep.east2', '/api/customers', { method: 'POST', json: { type: 'company', name: '人员变动有限公司', industry: '教育', source: '官网' } })).body;
    const contact = (await call('rep.east2', `/api/customers/${customer.id}/contacts`, { method: 'POST', json: { name: '前采购', email: 'gone@moved.cn' } })).body;
    await call('manager.east', `/api/campaigns/${campaignId}/participants`, { method: 'POST', json: { customerIds: [customer.id] } });
    await call('manager.east', `/api/campaigns/${campaignId}/messages`, { method: 'POST', json: { subject: '展后回访', body: '感谢关注。' } });
    for (let i = 0; i < 3; i++) {
      clock.advance(61_000);
      await t.app.services.campaigns.sendQueued();
    }
    const send = (await t.inspect.campaignSends.findOne({ emailKey: emailKey('gone@moved.cn') }).lean())!;
    expect(send).toMatchObject({ status: 'failed', bounced: true });
    expect((await t.inspect.contacts.findById(contact.id).lean())!.leftCompany).toBe(false);
    const cleaned = await t.app.services.quality.clean();
    expect(cleaned.contactsLeft).toBe(1);
    expect((await t.inspect.contacts.findById(contact.id).lean())!.leftCompany).toBe(true);
    // a temporary failure is not a bounce: nobody else was marked
    expect(await t.inspect.contacts.countDocuments({ leftCompany: true, emailKey: { $ne: emailKey('gone@moved.cn') } })).toBe(0);
  });

  it('keeps the mail rate when two server processes send the same queue at once', async () => {
    const db = await openTestDatabase(t.db.dbName);
    const other = buildApp({ config: t.config, logger: createLogger({ level: 'silent' }), connection: db.connection, sessionSecret: 'test-secret-of-at-least-thirty-two-characters', h5DistDir: '/nonexistent', clock });
    try {
      const message = (await t.inspect.campaignSends.findOne({}).lean())!;
      for (let i = 0; i < 6; i++) {
        await t.inspect.campaignSends.create({ messageId: message.messageId, campaignId, customerId: message.customerId, email: `rate${i}@invited.cn`, token: `rate-send-token-${i}`, status: 'queued', error: null, claimedAt: null, sentAt: null, clicks: 0 });
      }
      clock.advance(61_000);
      const before = mails.length;
      // both processes at the queue in the same minute, twice each: the rate is two a minute in all
      await Promise.all([t.app.services.campaigns.sendQueued(), other.services.campaigns.sendQueued(), t.app.services.campaigns.sendQueued(), other.services.campaigns.sendQueued()]);
      await expect.poll(() => mails.length, { timeout: 5000 }).toBe(before + 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(mails.length).toBe(before + 2);
    } finally {
      await db.connection.close();
    }
  });
});
