import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-06-01T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let customerId: string;

/** A real 1×1 PNG, padded to `size` bytes when asked (still a PNG to a content sniffer). */
function png(size = 0): Buffer {
  const image = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  );
  return size > image.length ? Buffer.concat([image, Buffer.alloc(size - image.length)]) : image;
}

async function upload(token: string, content: Buffer, name: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(content)]), name);
  return t.request('/api/files', { method: 'POST', token, body: form });
}

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000', UPLOAD_MAX_BYTES: '4096' } });
  tokens = await demoTokens(t);
  const response = await t.request('/api/customers', {
    method: 'POST',
    token: tokens['rep.east1'],
    json: { type: 'company', name: '跟进测试有限公司', industry: '教育', source: '转介绍' },
  });
  customerId = ((await response.json()) as Json).id;
});
afterAll(() => t.close());

const post = (token: string, body: Json, key?: string) =>
  t.request(`/api/customers/${customerId}/follow-ups`, {
    method: 'POST',
    token,
    json: body,
    ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
  });

describe('follow-ups', () => {
  it('moves the customer’s last and next follow-up and stage in one step', async () => {
    const next = '2026-06-05T01:00:00.000Z';
    const response = await post(tokens['rep.east1'], { method: 'call', content: '电话沟通需求，客户有采购意向', stage: 'prospect', nextFollowUpAt: next });
    expect(response.status).toBe(201);
    const followUp = (await response.json()) as Json;
    expect(followUp).toMatchObject({ method: 'call', stageChange: { from: 'lead', to: 'prospect' }, createdBy: { name: '李娜' } });
    const customer = (await (await t.request(`/api/customers/${customerId}`, { token: tokens['rep.east1'] })).json()) as Json;
    expect(customer).toMatchObject({ stage: 'prospect', lastFollowUpAt: clock.now().toISOString(), nextFollowUpAt: next });
    const timeline = (await (await t.request(`/api/customers/${customerId}/timeline`, { token: tokens['rep.east1'] })).json()) as Json;
    expect(timeline.items.map((e: Json) => e.type)).toEqual(expect.arrayContaining(['followUp', 'stageChanged', 'created']));
  });

  it('writes one record for a POST retried with the same key, even when both arrive at once', async () => {
    const body = { method: 'wechat', content: '微信发送报价单' };
    const [a, b] = await Promise.all([post(tokens['rep.east1'], body, 'visit-key-00000001'), post(tokens['rep.east1'], body, 'visit-key-00000001')]);
    const c = await post(tokens['rep.east1'], body, 'visit-key-00000001');
    const ids = await Promise.all([a, b, c].map(async (r) => ((await r.json()) as Json).id));
    expect(new Set(ids).size).toBe(1);
    expect([a.status, b.status, c.status].filter((s) => s === 201)).toHaveLength(1);
    expect(await t.inspect.followUps.countDocuments({ content: '微信发送报价单' })).toBe(1);
    expect(await t.inspect.timeline.countDocuments({ 'data.followUpId': ids[0] })).toBe(1);
    // the key in the body works the same for clients that cannot set headers
    const d = await post(tokens['rep.east1'], { ...body, clientKey: 'visit-key-00000002' });
    const e = await post(tokens['rep.east1'], { ...body, clientKey: 'visit-key-00000002' });
    expect(((await d.json()) as Json).id).toBe(((await e.json()) as Json).id);
  });

  it('logs a visit with location and photos; photos are served only to those who see the customer', async () => {
    const uploaded = await upload(tokens['rep.east1'], png(), '../../etc/门店照片.png');
    expect(uploaded.status).toBe(201);
    const file = (await uploaded.json()) as Json;
    expect(file).toMatchObject({ contentType: 'image/png', filename: '门店照片.png' });

    const visit = await post(tokens['rep.east1'], {
      method: 'visit',
      content: '上门拜访，见到采购负责人',
      location: { lat: 31.2304, lng: 121.4737, accuracy: 15, address: '上海市黄浦区人民大道200号' },
      photoIds: [file.id],
    });
    expect(visit.status).toBe(201);
    const body = (await visit.json()) as Json;
    expect(body.location).toEqual({ lat: 31.2304, lng: 121.4737, accuracy: 15, address: '上海市黄浦区人民大道200号' });
    expect(body.photos).toEqual([{ id: file.id, url: `/api/files/${file.id}` }]);

    const asManager = await t.request(`/api/files/${file.id}`, { token: tokens['manager.east'] });
    expect(asManager.status).toBe(200);
    expect(asManager.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await asManager.arrayBuffer()).equals(png())).toBe(true);
    expect((await t.request(`/api/files/${file.id}`, { token: tokens['rep.east2'] })).status).toBe(404);
    expect((await t.request(`/api/files/${file.id}`, { token: tokens['manager.south'] })).status).toBe(404);
  });

  it('checks uploads by content and size, not by name', async () => {
    const fake = await upload(tokens['rep.east1'], Buffer.from('<script>alert(1)</script>'), 'photo.png');
    expect(fake.status).toBe(415);
    expect(((await fake.json()) as Json).error).toMatchObject({ code: 'VALIDATION', message: '只能上传图片（JPEG、PNG、WebP、HEIC、GIF）' });
    const big = await upload(tokens['rep.east1'], png(8000), 'big.png');
    expect(big.status).toBe(413);
    expect(((await big.json()) as Json).error.code).toBe('VALIDATION');
    const none = await t.request('/api/files', { method: 'POST', token: tokens['rep.east1'], json: {} });
    expect(none.status).toBe(400);
  });

  it('refuses someone else’s photo and a customer outside the scope', async () => {
    const theirs = (await (await upload(tokens['rep.east2'], png(), 'a.png')).json()) as Json;
    const response = await post(tokens['rep.east1'], { method: 'visit', content: '拜访', photoIds: [theirs.id] });
    expect(response.status).toBe(400);
    expect((await post(tokens['rep.east2'], { method: 'call', content: '越权' })).status).toBe(404);
    expect((await post(tokens['rep.east1'], { method: 'fax', content: '无效方式' })).status).toBe(400);
  });

  it('lists the customer’s follow-ups for whoever sees it, and a rep’s own activity by date', async () => {
    // the manager's note on the rep's customer is seen by the owner
    expect((await post(tokens['manager.east'], { method: 'meeting', content: '经理陪访' })).status).toBe(201);
    const list = (await (await t.request(`/api/customers/${customerId}/follow-ups?limit=2`, { token: tokens['rep.east1'] })).json()) as Json;
    expect(list.items).toHaveLength(2);
    expect(list.items[0].createdBy.name).toBe('张伟');
    const rest = (await (await t.request(`/api/customers/${customerId}/follow-ups?limit=50&cursor=${list.nextCursor}`, { token: tokens['rep.east1'] })).json()) as Json;
    const all = [...list.items, ...rest.items].map((f: Json) => f.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await t.inspect.followUps.countDocuments({ customerId }));

    const mine = (await (await t.request('/api/follow-ups?mine=1&from=2026-06-01&to=2026-06-01', { token: tokens['rep.east1'] })).json()) as Json;
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine.items.every((f: Json) => f.createdBy.name === '李娜')).toBe(true);
    const tomorrow = (await (await t.request('/api/follow-ups?mine=1&from=2026-06-02', { token: tokens['rep.east1'] })).json()) as Json;
    expect(tomorrow.items).toEqual([]);
  });
});
