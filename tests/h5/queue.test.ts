// The offline queue (h5/src/offline/queue.ts) against the real server: IndexedDB comes from
// fake-indexeddb, the HTTP is real.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, configureClient, newIdempotencyKey } from '../../h5/src/api/client.ts';
import { discard, enqueue, listQueued, markForRetry, send, syncQueue } from '../../h5/src/offline/queue.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
let t: TestApp;
let customerId: string;
let othersCustomerId: string;

// a real 1×1 grey JPEG: the server parses uploads and refuses a JPEG header with no image behind it
const jpeg = () =>
  new Blob([Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z', 'base64')], { type: 'image/jpeg' });

beforeAll(async () => {
  t = await startTestApp();
  const [mine, theirs] = await Promise.all([t.login('rep.east1'), t.login('rep.east2')]);
  const create = async (token: string, name: string) =>
    ((await (await t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name, industry: '教育', source: '官网' } })).json()) as Json).id as string;
  customerId = await create(mine, '离线队列测试有限公司');
  othersCustomerId = await create(theirs, '别人的客户有限公司');
  configureClient({ baseUrl: t.baseUrl, token: mine });
});
afterAll(() => t.close());
beforeEach(async () => {
  configureClient({ baseUrl: t.baseUrl });
  for (const item of await listQueued()) await discard(item.id);
});

const item = (content: string, target = customerId, photos: Blob[] = []) =>
  enqueue({ id: newIdempotencyKey(), customerId: target, customerName: '测试', body: { method: 'visit', content }, photos });

describe('offline queue', () => {
  it('keeps an item when the server cannot be reached, and sends it once it can', async () => {
    const queued = await item('没有信号时记录', customerId, [jpeg()]);
    configureClient({ baseUrl: 'http://127.0.0.1:9' }); // nothing listens there
    expect(await send(queued)).toBe('offline');
    expect(await listQueued()).toHaveLength(1);

    configureClient({ baseUrl: t.baseUrl });
    expect(await syncQueue()).toEqual({ sent: 1, failed: 0 });
    expect(await listQueued()).toEqual([]);
    const followUps = await t.inspect.followUps.find({ content: '没有信号时记录' }).lean();
    expect(followUps).toHaveLength(1);
    expect(followUps[0]!.photoIds).toHaveLength(1);
  });

  it('never creates twice when the first send reached the server but its answer was lost', async () => {
    const queued = await item('回复丢失');
    await api(`/api/customers/${customerId}/follow-ups`, { method: 'POST', body: { ...queued.body, photoIds: [] }, idempotencyKey: queued.id });
    expect(await send(queued)).toBe('sent');
    expect(await t.inspect.followUps.countDocuments({ content: '回复丢失' })).toBe(1);
  });

  it('marks an item the server refuses with its reason, and lets the user retry or discard it', async () => {
    const refused = await item('别人的客户', othersCustomerId);
    expect(await syncQueue()).toEqual({ sent: 0, failed: 1 });
    const [failed] = await listQueued();
    expect(failed).toMatchObject({ id: refused.id, status: 'failed', error: '记录不存在或无权查看' });
    await markForRetry(refused.id);
    expect((await listQueued())[0]!.status).toBe('pending');
    await discard(refused.id);
    expect(await listQueued()).toEqual([]);
  });

  it('sends items in the order they were queued and stops at the first that cannot go', async () => {
    await item('第一条');
    await item('第二条');
    expect(await syncQueue()).toEqual({ sent: 2, failed: 0 });
    const [first, second] = await t.inspect.followUps.find({ content: { $in: ['第一条', '第二条'] } }).sort({ createdAt: 1, _id: 1 }).lean();
    expect([first!.content, second!.content]).toEqual(['第一条', '第二条']);
  });
});
