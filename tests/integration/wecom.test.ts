// WeCom end to end over loopback: the real server against the fake WeCom (tests/fakes/wecom).
import { createHash } from 'node:crypto';
import { decrypt, encrypt, getJsApiSignature, getSignature } from '@wecom/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackGuard, CallbackRejected, defineUsedNonceModel } from '../../server/src/platforms/wecom/callback-guard.ts';
import { FakeWeCom } from '../fakes/wecom/server.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;

// the shared document's fixed vectors (shared/platforms/wecom-dingtalk.md §1b, §1c)
const vector = {
  key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  random: Buffer.from('0123456789abcdef'),
  id: 'wwcorp',
  token: 'tok',
  timestamp: '1700000000',
  nonce: 'nonce1',
  msg: '<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[approve]]></EventKey><TaskId><![CDATA[task_1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc_1]]></ResponseCode><AgentID>1000002</AgentID></xml>',
  encrypt:
    'Q3stYC6hdFzMh9T8HCvyDOcb77eB8HlX4Ml10MAl7kBoL6sdxAdLNpvLuqoeCIfKF3A4m79X4Q46xEaW8E8V1lFsESc3EOyBF7KxRlkh1Gu6Pr8YZ4/lGAo6C9eNmpk93hp/nvBUPSFVwHJbWrU8iCEjgGdbON8/1RvP5Oje9LXGU16RgZul/x5zOSnuJ1V1GUaSKOyn4+vimJRdzjxClro1dFGQYcubvlZes1U0vBkQtat7EDgnIAr4xmeLakppdgk2dN2sEttsOnDjv4UUvBlfH1lAm4Xzm6CHCjlY7C1msRc19zRg3iTgsd2nPlWk+FBZCFKJgbnkf+CexnAIcp2KO8hUWhAbMqCIQ7siQ7mzSjDMaYCgWD4tAT1YNwvfxqXfoONsS1PL4EuUSyDBrzBn4IRH1GVKSWDH64dX/g0NgR6s2VFTB7KP7ST9ltY9h4oGJ0dX25fIT6pFs9E4Vh9DNrvKm9MoFPbh53TKJKTTgHhJwKp/kOwEYE5YYnwaDKb6DjqT3+4xEcj05AZLYxWsekx8wdzBVXsyrXsp8vq8MwxnlOZo6OOpB9Im8OD5lTff6VX5548zax4h3DqUfw==',
  signature: '796018fae7ea4a86a5fa2907fdfd93f4bc5a6718',
};

const fake = new FakeWeCom({ corpId: 'wwkemai', agentId: '1000002', secret: 'fake-secret', token: 'fake-token', encodingAesKey: vector.key });
let t: TestApp;
let managerId = '';

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({
    env: {
      PUBLIC_URL: 'http://kemai.test',
      WECOM_CORP_ID: 'wwkemai',
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: 'fake-secret',
      WECOM_TOKEN: 'fake-token',
      WECOM_ENCODING_AES_KEY: vector.key,
      WECOM_API_BASE: fake.baseUrl,
      WECOM_OAUTH_BASE: fake.baseUrl,
    },
  });
  // as organisation sync records them: 张伟 is zhangwei in WeCom, 李娜 is lina
  await t.inspect.users.updateOne({ login: 'manager.east' }, { $set: { 'accounts.wecom': 'zhangwei' } });
  await t.inspect.users.updateOne({ login: 'rep.east1' }, { $set: { 'accounts.wecom': 'lina' } });
  managerId = (await t.inspect.users.findOne({ login: 'manager.east' }).lean())!._id.toHexString();
});
afterAll(async () => {
  await t.close();
  await fake.stop();
});

describe('the fake follows the documented vectors', () => {
  it('encrypts and signs the shared callback vector exactly', () => {
    expect(encrypt(vector.key, vector.msg, vector.id, vector.random)).toBe(vector.encrypt);
    expect(getSignature(vector.token, vector.timestamp, vector.nonce, vector.encrypt)).toBe(vector.signature);
    const fixed = new FakeWeCom({ corpId: vector.id, agentId: '1000002', secret: 's', token: vector.token, encodingAesKey: vector.key });
    const e = fixed.envelope(vector.msg, { timestamp: vector.timestamp, nonce: vector.nonce, random: vector.random });
    expect([e.encrypted, e.signature]).toEqual([vector.encrypt, vector.signature]);
  });

  it('signs the JS-SDK vector', () => {
    const signature = getJsApiSignature({
      url: 'http://mp.weixin.qq.com?params=value',
      ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
      nonceStr: 'Wm3WZYTPz0wzccnW',
      timestamp: 1414587457,
    });
    expect(signature.signature).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });
});

describe('callback guard on the shared vector', () => {
  const guard = () =>
    new CallbackGuard({ token: vector.token, encodingAesKey: vector.key, corpId: vector.id, windowSeconds: 300, nonces: defineUsedNonceModel(t.db.connection), now: () => 1700000000_000 });

  it('verifies and decrypts it', async () => {
    const query = { msg_signature: vector.signature, timestamp: vector.timestamp, nonce: vector.nonce };
    expect(guard().open(query, vector.encrypt)).toBe(vector.msg);
    expect(await guard().openMessage(query, vector.encrypt)).toBe(vector.msg);
    // the same nonce again is a replay
    await expect(guard().openMessage(query, vector.encrypt)).rejects.toMatchObject({ reason: 'replay' });
    expect(decrypt(vector.key, vector.encrypt).id).toBe('wwcorp');
  });

  it('refuses a forged signature and another corp', () => {
    const forged = { msg_signature: vector.signature.replace(/^7/, '8'), timestamp: vector.timestamp, nonce: vector.nonce };
    expect(() => guard().open(forged, vector.encrypt)).toThrow(CallbackRejected);
    const other = new CallbackGuard({ token: vector.token, encodingAesKey: vector.key, corpId: 'wwother', windowSeconds: 300, nonces: defineUsedNonceModel(t.db.connection) });
    expect(() => other.open({ msg_signature: vector.signature, timestamp: vector.timestamp, nonce: vector.nonce }, vector.encrypt)).toThrow(/receiver/);
  });
});

describe('WeCom sign-in', () => {
  it('lands a session for manager.east through OAuth, back on the page asked for', async () => {
    const start = await t.request('/api/platform/wecom/login?redirect=%23%2Fcustomers%2Fabc', { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!.replace('#wechat_redirect', ''));
    expect(authorize.origin).toBe(fake.baseUrl);
    expect(authorize.searchParams.get('appid')).toBe('wwkemai');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://kemai.test/api/platform/wecom/oauth-callback');
    const state = authorize.searchParams.get('state')!;
    expect(state).toMatch(/^[a-zA-Z0-9]{1,128}$/);

    const landed = await t.request(`/api/platform/wecom/oauth-callback?code=${fake.issueCode('zhangwei')}&state=${state}`, { redirect: 'manual' });
    expect(landed.status).toBe(302);
    expect(landed.headers.get('location')).toBe('/#/customers/abc');
    const cookie = landed.headers.get('set-cookie')!.split(';')[0]!;
    const me = (await (await t.request('/api/me', { headers: { Cookie: cookie } })).json()) as Json;
    expect([me.name, me.role]).toEqual(['张伟', 'manager']);

    // the state worked once
    const again = await t.request(`/api/platform/wecom/oauth-callback?code=${fake.issueCode('zhangwei')}&state=${state}`, { redirect: 'manual' });
    expect(again.status).toBe(401);
  });

  it('never redirects off the app, refuses a used code, and tells outsiders what to do', async () => {
    const evil = await t.request('/api/platform/wecom/login?redirect=https%3A%2F%2Fevil.example', { redirect: 'manual' });
    const state = new URL(evil.headers.get('location')!.replace('#wechat_redirect', '')).searchParams.get('state')!;
    const code = fake.issueCode('zhangwei');
    const landed = await t.request(`/api/platform/wecom/oauth-callback?code=${code}&state=${state}`, { redirect: 'manual' });
    expect(landed.headers.get('location')).toBe('/#/');

    const next = async () => new URL((await t.request('/api/platform/wecom/login', { redirect: 'manual' })).headers.get('location')!.replace('#wechat_redirect', '')).searchParams.get('state')!;
    const reused = await t.request(`/api/platform/wecom/oauth-callback?code=${code}&state=${await next()}`, { redirect: 'manual' });
    expect(reused.status).toBe(401);
    const outsider = await t.request(`/api/platform/wecom/oauth-callback?code=${fake.issueCode(null)}&state=${await next()}`, { redirect: 'manual' });
    expect(outsider.status).toBe(401);
    fake.users.push({ userid: 'newbie', name: '新人', department: [2], main_department: 2, is_leader_in_dept: [0], status: 1 });
    const unknown = await t.request(`/api/platform/wecom/oauth-callback?code=${fake.issueCode('newbie')}&state=${await next()}`, { redirect: 'manual' });
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toContain('请联系管理员');
  });
});

describe('JS-SDK signatures', () => {
  it('signs the page URL with the cached corp and app tickets, as the documented formula says', async () => {
    const token = await t.login('manager.east');
    const url = 'http://kemai.test/?from=wecom#/customers/1';
    const body = (await (await t.request(`/api/platform/wecom/jssdk-signature?url=${encodeURIComponent(url)}`, { token })).json()) as Json;
    const expected = (ticket: string, sig: Json) =>
      createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${sig.nonceStr}&timestamp=${sig.timestamp}&url=http://kemai.test/?from=wecom`).digest('hex');
    expect(body.config.signature).toBe(expected(fake.jsapiTicket, body.config));
    expect(body.agentConfig.signature).toBe(expected(fake.agentTicket, body.agentConfig));
    expect(body).toMatchObject({ corpId: 'wwkemai', agentId: '1000002' });
    expect(JSON.stringify(body)).not.toContain('access_token');
    expect((await t.request(`/api/platform/wecom/jssdk-signature?url=${encodeURIComponent('https://evil.example/')}`, { token })).status).toBe(400);
  });
});

describe('callbacks', () => {
  it('answers URL verification with the decrypted echostr, and refuses a forged one', async () => {
    const e = fake.envelope('echo-1700000000');
    const query = new URLSearchParams({ msg_signature: e.signature, timestamp: e.timestamp, nonce: e.nonce, echostr: e.encrypted });
    const ok = await t.request(`/api/platform/wecom/callback?${query}`);
    expect([ok.status, await ok.text()]).toEqual([200, 'echo-1700000000']);
    query.set('msg_signature', '0'.repeat(40));
    expect((await t.request(`/api/platform/wecom/callback?${query}`)).status).toBe(403);
  });

  it('refuses forged signatures, another corp, stale timestamps and replayed nonces', async () => {
    const click = fake.cardClick('zhangwei', 'acknowledge:nothing', 'nothing', Math.floor(Date.now() / 1000));
    expect((await fake.postCallback(t.baseUrl, click, { signature: 'f'.repeat(40) })).status).toBe(403);
    expect((await fake.postCallback(t.baseUrl, click, { receiveId: 'wwother' })).status).toBe(403);
    expect((await fake.postCallback(t.baseUrl, click, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) })).status).toBe(403);
    // a replay is the same signed request again: same timestamp, same nonce (a new timestamp would
    // be a new signature, which only WeCom can make)
    const timestamp = String(Math.floor(Date.now() / 1000));
    expect((await fake.postCallback(t.baseUrl, click, { nonce: 'once-only', timestamp })).status).toBe(200);
    expect((await fake.postCallback(t.baseUrl, click, { nonce: 'once-only', timestamp })).status).toBe(403);
  });

  it('acts once on a card click WeCom delivers three times, and replaces the buttons of every copy', async () => {
    const rep = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!._id.toHexString();
    const card = { id: 'stale-wecom-1', data: { kind: 'staleCustomers' as const, customers: [{ id: 'c1', name: '华为科技', idleDays: 8 }], total: 1 } };
    const receipts = await t.app.services.cards.send(card, [managerId, rep]);
    expect(receipts.map((r) => r.status)).toEqual(['sent', 'sent']);
    const sent = fake.sent.at(-1)!;
    expect(sent.body.touser.split('|').sort()).toEqual(['lina', 'zhangwei']);
    expect(sent.body.template_card).toMatchObject({ card_type: 'button_interaction', task_id: 'stale-wecom-1' });
    expect(sent.body.template_card.card_action.url).toBe('http://kemai.test/api/platform/wecom/login?redirect=%23%2Fcustomers%2Fc1');

    const createTime = Math.floor(Date.now() / 1000);
    const click = fake.cardClick('zhangwei', 'acknowledge:stale-wecom-1', 'stale-wecom-1', createTime, sent.responseCode!);
    const answers = await Promise.all([1, 2, 3].map(() => fake.postCallback(t.baseUrl, click)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await Promise.all(answers.map((a) => a.text()))).toEqual(['', '', '']);
    await expect.poll(() => fake.updates.length, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.updates).toHaveLength(1);
    expect(fake.updates[0]).toMatchObject({ response_code: sent.responseCode, button: { replace_name: '已处理 · 张伟' } });
    expect([...fake.updates[0]!.userids].sort()).toEqual(['lina', 'zhangwei']);
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'stale-wecom-1', status: 'updated' })).toBe(2);
  });

  it('approves a contract from the WeCom card, once, and tells the submitter', async () => {
    const rep = await t.login('rep.east1');
    const customer = (await (await t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'company', name: '企微审批测试有限公司', industry: '教育', source: '官网' } })).json()) as Json;
    const contract = (await (await t.request('/api/contracts', { method: 'POST', token: rep, json: { customerId: customer.id, title: '企微审批', amount: '50000', plan: [{ dueOn: '2026-12-31', amount: '50000' }] } })).json()) as Json;
    const approval = (await (await t.request(`/api/contracts/${contract.id}/submit`, { method: 'POST', token: rep })).json()) as Json;
    const sent = fake.sent.at(-1)!;
    expect(sent.body.touser).toBe('zhangwei');
    expect(sent.body.template_card).toMatchObject({ card_type: 'button_interaction', task_id: `apv-${approval.id}-0`, main_title: { title: '合同审批' } });
    expect(sent.body.template_card.button_list.map((b: Json) => [b.type, b.key ?? b.url])).toEqual([
      [0, `approve:apv-${approval.id}-0`],
      [1, `http://kemai.test/api/platform/wecom/login?redirect=${encodeURIComponent(`#/approvals/${approval.id}?decide=reject`)}`],
    ]);
    const click = fake.cardClick('zhangwei', `approve:apv-${approval.id}-0`, `apv-${approval.id}-0`, Math.floor(Date.now() / 1000), sent.responseCode!);
    const updatesBefore = fake.updates.length;
    await Promise.all([fake.postCallback(t.baseUrl, click), fake.postCallback(t.baseUrl, click)]);
    await expect.poll(async () => ((await (await t.request(`/api/contracts/${contract.id}`, { token: rep })).json()) as Json).status, { timeout: 5000 }).toBe('approved');
    await expect.poll(() => fake.updates.length - updatesBefore, { timeout: 5000 }).toBe(1);
    expect(fake.updates.at(-1)).toMatchObject({ response_code: sent.responseCode, button: { replace_name: '已同意 · 张伟' } });
    const stored = (await t.inspect.approvals.findById(approval.id).lean())!;
    expect(stored.steps[0]!.decisions.map((d) => [d.decision, d.via])).toEqual([['approve', 'wecom']]);
    await expect.poll(() => fake.sent.some((m) => m.body.touser === 'lina' && m.body.template_card?.main_title?.title === '审批结果'), { timeout: 5000 }).toBe(true);
  });

  it('answers bot messages within the sender’s scope, once per message', async () => {
    const east = await t.login('rep.east2');
    const south = await t.login('rep.south1');
    const make = (token: string, name: string) =>
      t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '互联网', source: '官网' } });
    expect((await make(east, '机器人查询华东有限公司')).status).toBe(201);
    expect((await make(south, '机器人查询华南有限公司')).status).toBe(201);
    const text = (content: string, msgId: string) =>
      `<xml><ToUserName><![CDATA[wwkemai]]></ToUserName><FromUserName><![CDATA[zhangwei]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId><AgentID>1000002</AgentID></xml>`;
    const before = fake.sent.length;
    await fake.postCallback(t.baseUrl, text('查 机器人查询', 'm-1'));
    await fake.postCallback(t.baseUrl, text('查 机器人查询', 'm-1')); // WeCom's retry
    await expect.poll(() => fake.sent.length, { timeout: 5000 }).toBe(before + 1);
    const lookup = fake.sent.at(-1)!.body;
    expect(lookup.touser).toBe('zhangwei');
    expect(lookup.template_card.main_title.title).toBe('查找“机器人查询”');
    expect(lookup.template_card.sub_title_text).toContain('机器人查询华东有限公司');
    expect(lookup.template_card.sub_title_text).not.toContain('华南');

    await fake.postCallback(t.baseUrl, text('今日', 'm-2'));
    await expect.poll(() => fake.sent.at(-1)!.body.template_card.main_title.title, { timeout: 5000 }).toBe('今日待跟进');
    await fake.postCallback(t.baseUrl, text('你好', 'm-3'));
    await expect.poll(() => fake.sent.at(-1)!.body.template_card.main_title.title, { timeout: 5000 }).toBe('客脉助手');
  });

  it('recovers from a token WeCom expired early, fetching it once more', async () => {
    const before = fake.gettokenCalls;
    fake.expireTokens();
    await Promise.all([1, 2, 3].map((i) => t.app.services.cards.send({ id: `digest-wecom-${i}`, data: { kind: 'dailyDigest', date: '2026-11-24', newCustomers: 1, followUps: 2, visits: 3, dueToday: 4, overdue: 0 } }, [managerId])));
    // each send's pass may carry the others' copies; all three are out once the passes end
    expect(await t.inspect.deliveries.countDocuments({ cardId: /^digest-wecom-/, status: 'sent' })).toBe(3);
    expect(fake.gettokenCalls - before).toBe(1); // one refresh for three callers
  });

  it('reads the organisation from WeCom', async () => {
    const snapshot = await t.app.services.wecom!.syncOrganisation();
    expect(snapshot.departments.map((d) => d.name)).toEqual(['总部', '华东大区']);
    expect(snapshot.users.find((u) => u.ref === 'zhangwei')).toMatchObject({ name: '张伟', departmentRef: '2', isManager: true });
  });

  it('syncs the organisation: new people arrive, leavers stop at once and their customers go to their manager', async () => {
    const repToken = await t.login('rep.east1');
    const created = (await (
      await t.request('/api/customers', { method: 'POST', token: repToken, json: { type: 'company', name: '交接测试有限公司', industry: '物流', source: '官网' } })
    ).json()) as Json;
    const admin = await t.login('admin');
    expect((await t.request('/api/org/sync', { method: 'POST', token: await t.login('rep.east2') })).status).toBe(403);
    const first = (await (await t.request('/api/org/sync', { method: 'POST', token: admin })).json()) as Json;
    expect(first).toMatchObject({ departments: 2, created: 1, updated: 2, deactivated: [] });
    const lina = (await t.inspect.users.findOne({ login: 'rep.east1' }).lean())!._id;
    const owned = await t.inspect.customers.countDocuments({ ownerId: lina, deletedAt: null });
    const contract = (await t.inspect.contracts.findOne({ ownerId: lina }).lean())!;
    fake.users.splice(fake.users.findIndex((u) => u.userid === 'lina'), 1); // then 李娜 leaves the company
    const result = (await (await t.request('/api/org/sync', { method: 'POST', token: admin })).json()) as Json;
    expect(result).toMatchObject({ departments: 2, deactivated: [expect.objectContaining({ handoverTo: managerId })], handedOver: owned });
    // her contracts go with her customers
    expect((await t.inspect.contracts.findById(contract._id).lean())!.ownerId.toHexString()).toBe(managerId);
    expect((await t.request('/api/me', { token: repToken })).status).toBe(401);
    const customer = await t.inspect.customers.findById(created.id).lean();
    expect(customer!.ownerId!.toHexString()).toBe(managerId);
    const newcomer = await t.inspect.users.findOne({ 'accounts.wecom': 'newbie' }).lean();
    expect(newcomer).toMatchObject({ login: 'wecom.newbie', name: '新人', role: 'rep', active: true });
    const manager = await t.inspect.users.findById(managerId).lean();
    const department = await t.inspect.departments.findById(manager!.departmentId).lean();
    expect([department!.name, department!.platformRefs]).toEqual(['华东大区', ['wecom:2']]);
  });
});

describe('the platform connection in settings', () => {
  it('shows admins what is configured, never the secret, and the last organisation sync', async () => {
    const admin = await t.login('admin');
    expect((await t.request('/api/platform-connections', { token: await t.login('manager.east') })).status).toBe(403);
    const response = await t.request('/api/platform-connections', { token: admin });
    const text = await response.text();
    expect(text).not.toContain('fake-secret');
    expect(text).not.toContain('fake-token');
    const body = JSON.parse(text) as Json;
    expect(body.items[0]).toMatchObject({ platform: 'wecom', configured: true, ids: { corpId: 'wwkemai', agentId: '1000002' }, secretSet: true, callbackConfigured: true });
    expect(body.items[1]).toMatchObject({ platform: 'dingtalk', configured: false });
    expect(body.lastSync).toMatchObject({ ok: true, departments: expect.any(Number) });
  });

  it('tests the connection by fetching a fresh token, and names the platform’s error when it fails', async () => {
    const admin = await t.login('admin');
    const before = fake.gettokenCalls;
    const ok = (await (await t.request('/api/platform-connections/wecom/test', { method: 'POST', token: admin })).json()) as Json;
    expect(ok).toMatchObject({ platform: 'wecom', ok: true });
    expect(fake.gettokenCalls).toBe(before + 1);
    expect(await (await t.request('/api/platform-connections/dingtalk/test', { method: 'POST', token: admin })).json()).toMatchObject({ ok: false, error: 'notConfigured' });
    expect((await t.request('/api/platform-connections/other/test', { method: 'POST', token: admin })).status).toBe(404);
    const wrong = await startTestApp({ env: { WECOM_CORP_ID: 'wwkemai', WECOM_AGENT_ID: '1000002', WECOM_SECRET: 'not-the-secret', WECOM_API_BASE: fake.baseUrl } });
    try {
      const failed = (await (await wrong.request('/api/platform-connections/wecom/test', { method: 'POST', token: await wrong.login('admin') })).json()) as Json;
      expect(failed).toMatchObject({ ok: false, error: expect.stringContaining('40001') });
      expect(await wrong.inspect.audit.countDocuments({ action: 'platform.test', 'details.ok': false })).toBe(1);
    } finally {
      await wrong.close();
    }
  });
});
