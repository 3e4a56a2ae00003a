// DingTalk over loopback: 免登 sign-in, cards and their updates, markdown fallback, org sync and a
// token DingTalk rejected, against the fake DingTalk (tests/fakes/dingtalk).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDingTalk } from '../fakes/dingtalk/server.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
const fake = new FakeDingTalk({ clientId: 'dingkemai', clientSecret: 'secret' }, { redeliverAfterMs: 300 });
let t: TestApp;
let markdownApp: TestApp;
let managerId = '';

const env = (base: string, template: boolean) => ({
  PUBLIC_URL: 'http://kemai.test',
  DINGTALK_CLIENT_ID: 'dingkemai',
  DINGTALK_CLIENT_SECRET: 'secret',
  DINGTALK_ROBOT_CODE: 'dingkemai',
  DINGTALK_CORP_ID: 'dingcorp',
  DINGTALK_API_BASE: base,
  DINGTALK_OAPI_BASE: base,
  ...(template ? { DINGTALK_CARD_TEMPLATE_ID: 'kemai.alert.schema' } : { DINGTALK_CARD_TEMPLATES: 'botHelp=kemai.help.schema' }),
});

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ env: env(fake.baseUrl, true) });
  markdownApp = await startTestApp({ env: env(fake.baseUrl, false) });
  for (const app of [t, markdownApp]) {
    await app.inspect.users.updateOne({ login: 'manager.east' }, { $set: { 'accounts.dingtalk': 'manager001' } });
    await app.inspect.users.updateOne({ login: 'rep.east1' }, { $set: { 'accounts.dingtalk': 'rep001' } });
    await app.inspect.users.updateOne({ login: 'rep.south1' }, { $set: { 'accounts.dingtalk': 'south001' } });
  }
  managerId = (await t.inspect.users.findOne({ login: 'manager.east' }).lean())!._id.toHexString();
});
afterAll(async () => {
  await t.close();
  await markdownApp.close();
  await fake.stop();
});

describe('DingTalk', () => {
  it('signs in with a 免登 code once, and refuses it the second time', async () => {
    expect(await (await t.request('/api/platform/dingtalk/config')).json()).toEqual({ corpId: 'dingcorp', clientId: 'dingkemai' });
    const code = fake.issueCode('manager001');
    const first = await t.request('/api/platform/dingtalk/login', { method: 'POST', json: { code } });
    expect(first.status).toBe(200);
    const body = (await first.json()) as Json;
    expect(body.user).toMatchObject({ name: '张伟', role: 'manager' });
    expect(first.headers.get('set-cookie')).toMatch(/kemai_session=/);
    expect((await t.request('/api/platform/dingtalk/login', { method: 'POST', json: { code } })).status).toBe(401);
  });

  it('signs rep.south1 in, and answers their 查 over Stream with only the customers they may see', async () => {
    const login = await t.request('/api/platform/dingtalk/login', { method: 'POST', json: { code: fake.issueCode('south001') } });
    expect(((await login.json()) as Json).user).toMatchObject({ login: 'rep.south1', name: '杨丽' });
    const [south, east] = await Promise.all([t.login('rep.south1'), t.login('rep.east2')]);
    const make = (token: string, name: string) =>
      t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '教育', source: '官网' } });
    await make(south, '钉钉查询华南有限公司');
    await make(east, '钉钉查询华东有限公司');
    const stream = t.app.services.dingtalkStream!;
    await stream.start();
    try {
      await expect.poll(() => fake.streamConnected, { timeout: 5000 }).toBe(true);
      const id = fake.push('/v1.0/im/bot/messages/get', { msgId: 'msg-south', senderStaffId: 'south001', conversationType: '1', msgtype: 'text', text: { content: '查 钉钉查询' } });
      await expect.poll(() => fake.acks.has(id), { timeout: 5000 }).toBe(true);
      const reply = fake.cards.at(-1)!;
      expect(reply.openSpaceId).toBe('dtv1.card//IM_ROBOT.south001');
      expect(reply.cardData.cardParamMap.lines).toContain('钉钉查询华南有限公司');
      expect(reply.cardData.cardParamMap.lines).not.toContain('钉钉查询华东有限公司');
    } finally {
      await stream.stop();
    }
  });

  it('delivers interactive cards with string parameters, and updates every copy after an action', async () => {
    const rep = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!._id.toHexString();
    const card = { id: 'stale-ding-1', data: { kind: 'staleCustomers' as const, customers: [{ id: 'c1', name: '华为科技', idleDays: 8 }], total: 1 } };
    const sent = await t.app.services.cards.send(card, [managerId, rep]);
    expect(sent.map((s) => s.status)).toEqual(['sent', 'sent']);
    const delivered = fake.cards.filter((c) => c.outTrackId.startsWith('stale-ding-1'));
    expect(delivered.map((c) => c.openSpaceId).sort()).toEqual(['dtv1.card//IM_ROBOT.manager001', 'dtv1.card//IM_ROBOT.rep001']);
    expect(delivered[0]).toMatchObject({ cardTemplateId: 'kemai.alert.schema', callbackType: 'STREAM', imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: 'dingkemai' } });
    expect(delivered[0]!.cardData.cardParamMap.url).toBe(`dingtalk://dingtalkclient/page/link?url=${encodeURIComponent('http://kemai.test/#/customers/c1')}&pc_slide=true`);

    await t.app.services.cards.resolve('stale-ding-1', { text: '已处理 · 张伟' });
    const updated = fake.updates.filter((u) => u.outTrackId.startsWith('stale-ding-1'));
    expect(updated).toHaveLength(2);
    expect(updated[0]!.cardData.cardParamMap).toMatchObject({ status: '已处理 · 张伟', buttons: '[]' });
  });

  it('keeps a card DingTalk answered with 503 and delivers it on a later try, once', async () => {
    fake.serverErrorNext = 2;
    const card = { id: 'stale-ding-busy', data: { kind: 'staleCustomers' as const, customers: [{ id: 'c2', name: '忙碌科技', idleDays: 9 }], total: 1 } };
    const [queued] = await t.app.services.cards.send(card, [managerId]);
    expect(queued!.status).toBe('queued');
    expect(await t.inspect.pendingCards.findOne({ 'card.id': 'stale-ding-busy' }).lean()).toMatchObject({ attempts: 1, lastError: expect.stringContaining('ServiceUnavailable') });
    for (let i = 0; i < 2; i++) {
      // the backoff has passed
      await t.inspect.pendingCards.updateMany({ 'card.id': 'stale-ding-busy' }, { $set: { notBefore: new Date(0) } });
      await t.app.services.cards.deliverDue();
    }
    expect(fake.cards.filter((c) => c.outTrackId.startsWith('stale-ding-busy'))).toHaveLength(1);
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'stale-ding-busy', status: 'sent' })).toBe(1);
    expect(await t.inspect.pendingCards.countDocuments({ 'card.id': 'stale-ding-busy' })).toBe(0);
  });

  it('falls back to markdown robot messages without a card template, and uses a template set for the kind', async () => {
    const manager = (await markdownApp.inspect.users.findOne({ login: 'manager.east' }).lean())!._id.toHexString();
    await markdownApp.app.services.cards.send({ id: 'help-ding-1', data: { kind: 'botHelp' } }, [manager]);
    expect(fake.cards.find((c) => c.outTrackId === 'help-ding-1.manager001')).toMatchObject({ cardTemplateId: 'kemai.help.schema' });
    await markdownApp.app.services.cards.send({ id: 'digest-ding-1', data: { kind: 'dailyDigest', date: '2026-11-24', newCustomers: 2, followUps: 5, visits: 1, dueToday: 3, overdue: 1 } }, [manager]);
    const message = fake.messages.at(-1)!;
    expect(message).toMatchObject({ robotCode: 'dingkemai', userIds: ['manager001'], msgKey: 'sampleMarkdown' });
    expect(JSON.parse(message.msgParam).text).toContain('每日简报 2026-11-24');
  });

  it('takes robot messages and card clicks over Stream, acks each after recording it, and acts once on a re-push', async () => {
    const stream = t.app.services.dingtalkStream!;
    await stream.start();
    try {
      expect(fake.subscriptions.map((s) => s.topic)).toEqual(expect.arrayContaining(['/v1.0/im/bot/messages/get', '/v1.0/card/instances/callback']));
      await expect.poll(() => fake.streamConnected, { timeout: 5000 }).toBe(true);
      expect(await (await t.request('/readyz')).json()).toMatchObject({ checks: { 'dingtalk-stream': 'up' } });

      // a robot message, pushed twice with the same msgId (a crash before the first ack)
      const message = { msgId: 'msg-1', senderStaffId: 'manager001', conversationType: '1', msgtype: 'text', text: { content: '你好' } };
      const cardsBefore = fake.cards.length;
      const first = fake.push('/v1.0/im/bot/messages/get', message);
      await expect.poll(() => fake.acks.has(first), { timeout: 5000 }).toBe(true);
      const again = fake.push('/v1.0/im/bot/messages/get', message);
      await expect.poll(() => fake.acks.has(again), { timeout: 5000 }).toBe(true);
      expect(fake.acks.get(first)).toMatchObject({ code: 200, message: 'OK' });
      expect(fake.cards.length - cardsBefore).toBe(1); // one help card, not two
      expect(fake.cards.at(-1)!.cardData.cardParamMap.title).toBe('客脉助手');

      // a card click: content is a JSON string inside the frame's JSON
      await t.app.services.cards.send({ id: 'stale-stream-1', data: { kind: 'staleCustomers', customers: [{ id: 'c9', name: '流式客户', idleDays: 9 }], total: 1 } }, [managerId]);
      const click = { type: 'actionCallback', outTrackId: 'stale-stream-1.manager001', userId: 'manager001', content: JSON.stringify({ cardPrivateData: { actionIds: ['snooze'], params: { action: 'snooze' } } }) };
      const updatesBefore = fake.updates.length;
      // pushed again after the first ack, as DingTalk does when that ack was lost
      const pushed = [fake.push('/v1.0/card/instances/callback', click)];
      await expect.poll(() => fake.acks.has(pushed[0]!), { timeout: 5000 }).toBe(true);
      pushed.push(fake.push('/v1.0/card/instances/callback', click));
      await expect.poll(() => pushed.every((id) => fake.acks.has(id)), { timeout: 5000 }).toBe(true);
      expect(await t.inspect.snoozes.countDocuments({ _id: `${managerId}:c9` })).toBe(1);
      // the clicked card is updated by the ack itself (no PUT); the repeat's ack carries the same
      // outcome, in case the first ack was the one lost
      expect(fake.updates.length - updatesBefore).toBe(0);
      for (const id of pushed) {
        const response = JSON.parse(fake.acks.get(id)!.data).response;
        expect(response).toMatchObject({ cardData: { cardParamMap: { status: '明天再提醒 · 张伟', buttons: '[]' } }, cardUpdateOptions: { updateCardDataByKey: true } });
      }

      // the gateway drops the connection; a message pushed meanwhile arrives after the reconnect
      const connections = fake.connections;
      fake.dropConnection();
      const whileDown = fake.push('/v1.0/im/bot/messages/get', { ...message, msgId: 'msg-2', text: { content: '今日' } });
      await expect.poll(() => fake.connections, { timeout: 10_000 }).toBeGreaterThan(connections);
      await expect.poll(() => fake.acks.has(whileDown), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => fake.cards.at(-1)!.cardData.cardParamMap.title, { timeout: 5000 }).toBe('今日待跟进');
    } finally {
      await stream.stop();
    }
  });

  it('echoes SYSTEM pings, and acts once on a click whose ack was lost, answering the re-push with the outcome', async () => {
    const stream = t.app.services.dingtalkStream!;
    await stream.start();
    try {
      await expect.poll(() => fake.streamConnected, { timeout: 5000 }).toBe(true);
      const ping = fake.ping();
      await expect.poll(() => fake.pongs.has(ping), { timeout: 5000 }).toBe(true);
      expect(fake.pongs.get(ping)).toMatchObject({ code: 200, message: 'OK', headers: { messageId: ping, topic: 'ping' }, data: JSON.stringify({ opaque: ping }) });

      await t.app.services.cards.send({ id: 'stale-lost-ack', data: { kind: 'staleCustomers', customers: [{ id: 'c10', name: '丢包客户', idleDays: 9 }], total: 1 } }, [managerId]);
      const updatesBefore = fake.updates.length;
      fake.loseAcks(1);
      const click = { type: 'actionCallback', outTrackId: 'stale-lost-ack.manager001', userId: 'manager001', content: JSON.stringify({ cardPrivateData: { actionIds: ['snooze'], params: { action: 'snooze' } } }) };
      const id = fake.push('/v1.0/card/instances/callback', click);
      // the first ack is lost; DingTalk pushes the frame again and that ack arrives
      await expect.poll(() => fake.acks.has(id), { timeout: 5000 }).toBe(true);
      expect(JSON.parse(fake.acks.get(id)!.data).response.cardData.cardParamMap.status).toBe('明天再提醒 · 张伟');
      expect(await t.inspect.snoozes.countDocuments({ _id: `${managerId}:c10` })).toBe(1);
      expect(fake.updates.length).toBe(updatesBefore);

      // a robot message whose ack is lost is answered once
      const cardsBefore = fake.cards.length;
      fake.loseAcks(1);
      const message = fake.push('/v1.0/im/bot/messages/get', { msgId: 'msg-lost-ack', senderStaffId: 'manager001', conversationType: '1', msgtype: 'text', text: { content: '帮助' } });
      await expect.poll(() => fake.acks.has(message), { timeout: 5000 }).toBe(true);
      expect(fake.cards.length - cardsBefore).toBe(1);
    } finally {
      await stream.stop();
    }
  });

  it('approves a contract from the DingTalk card over Stream, once, with the card showing the outcome', async () => {
    const rep = await t.login('rep.east1');
    const customer = (await (await t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'company', name: '钉钉审批测试有限公司', industry: '教育', source: '官网' } })).json()) as Json;
    const contract = (await (await t.request('/api/contracts', { method: 'POST', token: rep, json: { customerId: customer.id, title: '钉钉审批', amount: '50000', plan: [{ dueOn: '2026-12-31', amount: '50000' }] } })).json()) as Json;
    const approval = (await (await t.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token: rep })).json()) as Json;
    const outTrackId = `apv-${approval.id}-0.manager001`;
    const card = fake.cards.find((c) => c.outTrackId === outTrackId)!;
    expect(card.openSpaceId).toBe('dtv1.card//IM_ROBOT.manager001');
    expect(card.cardData.cardParamMap.title).toBe('合同审批');
    const stream = t.app.services.dingtalkStream!;
    await stream.start();
    try {
      await expect.poll(() => fake.streamConnected, { timeout: 5000 }).toBe(true);
      const click = { type: 'actionCallback', outTrackId, userId: 'manager001', content: JSON.stringify({ cardPrivateData: { actionIds: ['approve'], params: { action: 'approve' } } }) };
      // the ack is lost once: DingTalk pushes the click again, which must not approve twice
      fake.loseAcks(1);
      const id = fake.push('/v1.0/card/instances/callback', click);
      await expect.poll(() => fake.acks.has(id), { timeout: 5000 }).toBe(true);
      expect(JSON.parse(fake.acks.get(id)!.data).response.cardData.cardParamMap.status).toBe('已同意 · 张伟');
      const stored = (await t.inspect.approvals.findById(approval.id).lean())!;
      expect([stored.status, stored.steps[0]!.decisions.map((d) => [d.decision, d.via])]).toEqual(['approved', [['approve', 'dingtalk']]]);
      expect(((await (await t.request(`/api/contracts/${contract.id}`, { token: rep })).json()) as Json).status).toBe('approved');
      expect(fake.cards.some((c) => c.outTrackId === `apr-${approval.id}.rep001`)).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  it('backs off between failed attempts to reach the gateway, then connects', async () => {
    const stream = t.app.services.dingtalkStream!;
    fake.refuseGateway = 2;
    const from = fake.gatewayAttempts.length;
    await stream.start();
    try {
      await expect.poll(() => fake.streamConnected, { timeout: 15_000 }).toBe(true);
      const attempts = fake.gatewayAttempts.slice(from);
      expect(attempts).toHaveLength(3);
      const [first, second] = [attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!];
      expect(first).toBeGreaterThanOrEqual(700);
      expect(second).toBeGreaterThan(first);
    } finally {
      await stream.stop();
    }
  });

  it('recovers from a token DingTalk rejected, and reads the organisation', async () => {
    const before = fake.gettokenCalls;
    fake.expireTokens();
    const snapshot = await t.app.services.dingtalk!.syncOrganisation();
    expect(fake.gettokenCalls - before).toBe(1);
    expect(snapshot.departments.map((d) => d.name)).toEqual(['总部', '华东大区']);
    expect(snapshot.users.find((u) => u.ref === 'manager001')).toMatchObject({ name: '张伟', departmentRef: '2', isManager: true });
  });
});
