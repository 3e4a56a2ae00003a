// One company on WeCom and DingTalk at once: organisation sync from both links a person present on
// each (by mobile) into one Kemai user, every card reaches each person once, on the platform they
// last used (or the configured one), and a card acted on is updated on both platforms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDingTalk } from '../fakes/dingtalk/server.ts';
import { FakeWeCom } from '../fakes/wecom/server.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const wecom = new FakeWeCom({ corpId: 'wwboth', agentId: '1000002', secret: 'wx-secret', token: 'wx-token', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
const dingtalk = new FakeDingTalk({ clientId: 'dingboth', clientSecret: 'dt-secret' });
let t: TestApp;
let pinned: TestApp;

const env = (extra: Record<string, string> = {}) => ({
  PUBLIC_URL: 'http://kemai.test',
  WECOM_CORP_ID: 'wwboth',
  WECOM_AGENT_ID: '1000002',
  WECOM_SECRET: 'wx-secret',
  WECOM_TOKEN: 'wx-token',
  WECOM_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  WECOM_API_BASE: wecom.baseUrl,
  WECOM_OAUTH_BASE: wecom.baseUrl,
  DINGTALK_CLIENT_ID: 'dingboth',
  DINGTALK_CLIENT_SECRET: 'dt-secret',
  DINGTALK_CORP_ID: 'dingcorp',
  DINGTALK_API_BASE: dingtalk.baseUrl,
  DINGTALK_OAPI_BASE: dingtalk.baseUrl,
  DINGTALK_CARD_TEMPLATE_ID: 'kemai.alert.schema',
  ...extra,
});

const wecomCardsTo = (userid: string, cardId: string) => wecom.sent.filter((m) => m.body.touser.split('|').includes(userid) && m.body.template_card?.task_id === cardId).length;
const dingtalkCardsTo = (userid: string, cardId: string) => dingtalk.cards.filter((c) => c.openSpaceId === `dtv1.card//IM_ROBOT.${userid}` && c.outTrackId.startsWith(cardId)).length;

beforeAll(async () => {
  await Promise.all([wecom.start(), dingtalk.start()]);
  // 郑雪 is on both platforms under different ids, with the same mobile (as HR entered it twice)
  wecom.users.push({ userid: 'wangfang', name: '郑雪', department: [2], main_department: 2, is_leader_in_dept: [0], status: 1, mobile: '+86 139-1111-2222' });
  wecom.users.push({ userid: 'zhaolei', name: '冯涛', department: [2], main_department: 2, is_leader_in_dept: [0], status: 1 });
  dingtalk.users[2]!.push({ userid: '0413556', name: '郑雪', mobile: '13911112222' }, { userid: '0413557', name: '褚明' });
  t = await startTestApp({ env: env() });
  pinned = await startTestApp({ env: env({ CARD_PLATFORM: 'dingtalk' }) });
});
afterAll(async () => {
  await t.close();
  await pinned.close();
  await Promise.all([wecom.stop(), dingtalk.stop()]);
});

async function sync(app: TestApp): Promise<void> {
  const admin = await app.login('admin');
  expect((await app.request('/api/org/sync', { method: 'POST', token: admin })).status).toBe(200);
}

describe('a company on both WeCom and DingTalk', () => {
  it('syncs both organisations into one: a person on both is one user, departments are not doubled', async () => {
    await sync(t);
    await sync(t); // a second run changes nothing
    const wang = await t.inspect.users.find({ name: '郑雪' }).lean();
    expect(wang).toHaveLength(1);
    expect(wang[0]!.accounts).toEqual({ wecom: 'wangfang', dingtalk: '0413556' });
    // linked by the mobile's blind index; the number is stored only encrypted
    expect(wang[0]!.mobile).toBe('13911112222');
    expect(wang[0]!.mobileKey).toMatch(/^[\w-]{22}$/);
    const raw = (await t.inspect.users.collection.findOne({ _id: wang[0]!._id }))!;
    expect(raw.mobile).toMatch(/^enc1:/);
    expect(JSON.stringify(raw)).not.toMatch(/1391111|11112222/);
    expect((await t.inspect.users.findOne({ name: '冯涛' }).lean())!.accounts).toEqual({ wecom: 'zhaolei' });
    expect((await t.inspect.users.findOne({ name: '褚明' }).lean())!.accounts).toEqual({ dingtalk: '0413557' });
    const east = await t.inspect.departments.find({ platformRefs: { $in: ['wecom:2', 'dingtalk:2'] } }).lean();
    expect(east).toHaveLength(1);
    expect(east[0]!.name).toBe('华东大区');
    expect(east[0]!.platformRefs.sort()).toEqual(['dingtalk:2', 'wecom:2']);
  });

  it('sends each card once, on the platform the person last used', async () => {
    const wang = (await t.inspect.users.findOne({ name: '郑雪' }).lean())!._id.toHexString();
    const zhao = (await t.inspect.users.findOne({ name: '冯涛' }).lean())!._id.toHexString();
    const qian = (await t.inspect.users.findOne({ name: '褚明' }).lean())!._id.toHexString();
    const card = (id: string) => ({ id, data: { kind: 'staleCustomers' as const, customers: [{ id: 'c1', name: '双平台客户', idleDays: 8 }], total: 1 } });

    // never signed in: the first configured platform
    await t.app.services.cards.send(card('both-1'), [wang, zhao, qian, wang]);
    expect([wecomCardsTo('wangfang', 'both-1'), dingtalkCardsTo('0413556', 'both-1')]).toEqual([1, 0]);
    expect([wecomCardsTo('zhaolei', 'both-1'), dingtalkCardsTo('0413557', 'both-1')]).toEqual([1, 1]);

    // 郑雪 opens the app in DingTalk (免登): her cards follow her there
    const login = await t.request('/api/platform/dingtalk/login', { method: 'POST', json: { code: dingtalk.issueCode('0413556') } });
    expect(login.status).toBe(200);
    await t.app.services.cards.send(card('both-2'), [wang]);
    expect([wecomCardsTo('wangfang', 'both-2'), dingtalkCardsTo('0413556', 'both-2')]).toEqual([0, 1]);

    // and back to WeCom once she signs in there
    const start = await t.request('/api/platform/wecom/login?redirect=%23%2Ftoday', { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    expect((await t.request(`/api/platform/wecom/oauth-callback?code=${wecom.issueCode('wangfang')}&state=${state}`, { redirect: 'manual' })).status).toBe(302);
    await t.app.services.cards.send(card('both-3'), [wang]);
    expect([wecomCardsTo('wangfang', 'both-3'), dingtalkCardsTo('0413556', 'both-3')]).toEqual([1, 0]);
  });

  it('updates every copy of an acted-on card on whichever platform carried it', async () => {
    const wang = (await t.inspect.users.findOne({ name: '郑雪' }).lean())!._id.toHexString();
    const qian = (await t.inspect.users.findOne({ name: '褚明' }).lean())!._id.toHexString();
    await t.app.services.cards.send({ id: 'both-4', data: { kind: 'staleCustomers', customers: [{ id: 'c1', name: '双平台客户', idleDays: 8 }], total: 1 } }, [wang, qian]);
    const wecomUpdates = wecom.updates.length;
    await t.app.services.cards.resolve('both-4', { text: '已处理 · 郑雪' });
    expect(wecom.updates.length - wecomUpdates).toBe(1);
    expect(dingtalk.updates.filter((u) => u.outTrackId === 'both-4.0413557')).toHaveLength(1);
    expect(await t.inspect.deliveries.countDocuments({ cardId: 'both-4', status: 'updated' })).toBe(2);
  });

  it('keeps sending to a person pinned to one platform by configuration', async () => {
    await sync(pinned);
    const wang = (await pinned.inspect.users.findOne({ name: '郑雪' }).lean())!._id.toHexString();
    const start = await pinned.request('/api/platform/wecom/login?redirect=%23%2Ftoday', { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    await pinned.request(`/api/platform/wecom/oauth-callback?code=${wecom.issueCode('wangfang')}&state=${state}`, { redirect: 'manual' });
    await pinned.app.services.cards.send({ id: 'pinned-1', data: { kind: 'botHelp' } }, [wang]);
    expect(dingtalk.cards.filter((c) => c.outTrackId === 'pinned-1.0413556')).toHaveLength(1);
    expect(wecom.sent.filter((m) => m.body.template_card?.task_id === 'pinned-1')).toHaveLength(0);
  });

  it('a person gone from one platform keeps the other; gone from both, they are deactivated', async () => {
    const index = dingtalk.users[2]!.findIndex((u) => u.userid === '0413556');
    const [removed] = dingtalk.users[2]!.splice(index, 1);
    try {
      await sync(t);
      const wang = (await t.inspect.users.findOne({ name: '郑雪' }).lean())!;
      expect([wang.active, wang.accounts]).toEqual([true, { wecom: 'wangfang' }]);
      await t.app.services.cards.send({ id: 'both-5', data: { kind: 'staleCustomers', customers: [{ id: 'c1', name: '双平台客户', idleDays: 8 }], total: 1 } }, [wang._id.toHexString()]);
      expect(wecomCardsTo('wangfang', 'both-5')).toBe(1);

      wecom.users.splice(wecom.users.findIndex((u) => u.userid === 'wangfang'), 1);
      await sync(t);
      expect((await t.inspect.users.findOne({ name: '郑雪' }).lean())!.active).toBe(false);
    } finally {
      dingtalk.users[2]!.push(removed!);
    }
  });
});
