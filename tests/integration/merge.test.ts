// Merging two customers and undoing it: every related record moves to the survivor and back, the
// survivor takes the chosen fields, the merged customer's keys come back with it, the rollups stay
// exact, and scope, permission and the 30-day window hold.
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;
const clock = new ManualClock('2026-06-01T02:00:00Z');
let t: TestApp;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '100000' } });
  for (const login of ['admin', 'manager.east', 'manager.south', 'rep.east1', 'director']) tokens[login] = await t.login(login);
});
afterAll(() => t.close());

async function api(method: string, path: string, token: string, json?: unknown) {
  const response = await t.request(path, { method, token, ...(json !== undefined ? { json } : {}) });
  return { status: response.status, body: (await response.json().catch(() => null)) as Json };
}

async function customer(token: string, body: Json) {
  const created = await api('POST', '/api/customers', token, { source: '转介绍', ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** One raw record in each collection that hangs off a customer (the merge must move them all). */
const linkedCollections = [
  'contacts', 'followUps', 'opportunities', 'contracts', 'orders', 'payments', 'approvals', 'tickets', 'leadEntries',
  'campaignParticipants', 'campaignSends', 'behaviourEvents', 'behaviourDaily',
];

async function seedLinked(customerId: string) {
  const db = t.inspect.customers.db;
  const id = new Types.ObjectId(customerId);
  for (const name of linkedCollections) {
    // behaviour's daily counts are keyed by text, as that model writes them
    const key = name === 'behaviourDaily' ? { _id: `daily-${customerId}` as never } : name === 'followUps' ? { createdBy: new Types.ObjectId(), at: new Date('2026-05-20T02:00:00Z') } : {};
    await db.collection(name).insertOne({ ...key, customerId: id, seededFor: customerId, campaignId: new Types.ObjectId() });
  }
  await db.collection('behaviourVisitors').insertOne({ _id: `visitor-${customerId}` as never, customerId: id, identifiedAt: new Date() });
  await db.collection('files.files').insertOne({ filename: 'photo.jpg', length: 1, uploadDate: new Date(), metadata: { customerId, uploadedBy: 'x', contentType: 'image/jpeg', purpose: 'visit' } });
}

async function countsFor(customerId: string) {
  const db = t.inspect.customers.db;
  const id = new Types.ObjectId(customerId);
  const counts: Record<string, number> = {};
  for (const name of [...linkedCollections, 'behaviourVisitors']) counts[name] = await db.collection(name).countDocuments({ customerId: id });
  counts.files = await db.collection('files.files').countDocuments({ 'metadata.customerId': customerId });
  counts.timeline = await db.collection('timeline').countDocuments({ customerId: id });
  return counts;
}

describe('merging customers', () => {
  let survivor: string;
  let merged: string;
  let mergeId: string;
  let mergedBefore: Record<string, number>;

  beforeAll(async () => {
    survivor = await customer(tokens['rep.east1']!, { type: 'company', name: '杭州恒通网络科技有限公司', industry: '互联网', phones: ['13800138001'], tags: ['重点'] });
    merged = await customer(tokens['rep.east1']!, {
      type: 'company',
      name: '恒通网络（杭州）',
      industry: '制造业',
      level: 'A',
      phones: ['13900139002'],
      tags: ['展会'],
      region: { province: '浙江省', city: '杭州市', district: '拱墅区' },
      address: '解放路999号',
    });
    // two contacts and a follow-up through the API, the rest seeded straight in
    await api('POST', `/api/customers/${merged}/contacts`, tokens['rep.east1']!, { name: '王建国', phones: ['13700137003'] });
    await api('POST', `/api/customers/${merged}/follow-ups`, tokens['rep.east1']!, { method: 'call', content: '电话沟通' });
    await seedLinked(merged);
    mergedBefore = await countsFor(merged);
    await t.app.services.stats.rebuild(); // the records seeded straight in join the rollups
  });

  it('refuses reps, other teams and a customer into itself', async () => {
    expect((await api('POST', `/api/customers/${survivor}/merge`, tokens['rep.east1']!, { mergedId: merged })).status).toBe(403);
    expect((await api('POST', `/api/customers/${survivor}/merge`, tokens['manager.south']!, { mergedId: merged })).status).toBe(404);
    expect((await api('POST', `/api/customers/${survivor}/merge`, tokens['manager.east']!, { mergedId: survivor })).status).toBe(400);
    expect((await api('POST', `/api/customers/${survivor}/merge`, tokens['manager.east']!, { mergedId: merged, choices: { nonsense: 'merged' } })).status).toBe(400);
  });

  it('moves every related record to the survivor and keeps an audit entry', async () => {
    const before = await countsFor(merged);
    const result = await api('POST', `/api/customers/${survivor}/merge`, tokens['manager.east']!, { mergedId: merged, choices: { industry: 'merged', level: 'merged', region: 'merged' } });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    mergeId = result.body.id;
    expect(result.body).toMatchObject({ status: 'done', canUndo: true, mergedName: '恒通网络（杭州）' });
    const after = await countsFor(merged);
    const onSurvivor = await countsFor(survivor);
    for (const name of Object.keys(before)) {
      expect(after[name], name).toBe(0);
      expect(onSurvivor[name], name).toBeGreaterThanOrEqual(before[name]!);
    }
    expect(onSurvivor.contacts).toBe(mergedBefore.contacts);
    expect(result.body.moved.timeline).toBe(mergedBefore.timeline);
    // the survivor took the chosen fields and both phones and tags
    const view = (await api('GET', `/api/customers/${survivor}`, tokens['manager.east']!)).body;
    expect(view).toMatchObject({ name: '杭州恒通网络科技有限公司', industry: '制造业', level: 'A', region: { city: '杭州市' } });
    expect(view.phones).toEqual(expect.arrayContaining(['13800138001', '13900139002']));
    expect(view.tags).toEqual(expect.arrayContaining(['重点', '展会']));
    // the merged customer is gone from every list and its mobile is the survivor's now
    expect((await api('GET', `/api/customers/${merged}`, tokens['manager.east']!)).status).toBe(404);
    const dup = await api('POST', '/api/customers', tokens['rep.east1']!, { type: 'person', name: '某人', source: '转介绍', phones: ['13900139002'] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details.matches[0].id).toBe(survivor);
    const audit = await t.inspect.audit.find({ action: { $in: ['customer.merge', 'customer.mergedInto'] } }).lean();
    expect(audit.map((a) => a.action).sort()).toEqual(['customer.merge', 'customer.mergedInto']);
    // the rollups did not drift: the merged customer no longer counts as new
    expect((await t.app.services.stats.rebuild()).corrected).toBe(0);
  });

  it('undoes the merge: every record back, the survivor as it was, later work kept', async () => {
    // work on the survivor after the merge stays with it
    await api('POST', `/api/customers/${survivor}/follow-ups`, tokens['rep.east1']!, { method: 'visit', content: '合并后的拜访' });
    const later = await api('PATCH', `/api/customers/${survivor}`, tokens['manager.east']!, { notes: '合并后补充的备注' });
    expect(later.status).toBe(200);
    clock.advance(10 * 86_400_000);
    expect((await api('POST', `/api/merges/${mergeId}/undo`, tokens['rep.east1']!)).status).toBe(403);
    const undone = await api('POST', `/api/merges/${mergeId}/undo`, tokens['manager.east']!);
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    expect(undone.body.status).toBe('undone');
    expect(await countsFor(merged)).toEqual(mergedBefore);
    const survivorNow = await countsFor(survivor);
    expect(survivorNow.followUps).toBe(1); // the visit made after the merge
    const view = (await api('GET', `/api/customers/${survivor}`, tokens['manager.east']!)).body;
    expect(view).toMatchObject({ industry: '互联网', notes: '合并后补充的备注' });
    expect(view.level ?? null).toBeNull();
    expect(view.phones).toEqual(['13800138001']);
    const revived = (await api('GET', `/api/customers/${merged}`, tokens['manager.east']!)).body;
    expect(revived).toMatchObject({ name: '恒通网络（杭州）', phones: ['13900139002'] });
    // its keys are its own again
    const dup = await api('POST', '/api/customers', tokens['rep.east1']!, { type: 'person', name: '某人', source: '转介绍', phones: ['13900139002'] });
    expect(dup.body.error.details.matches[0].id).toBe(merged);
    // undoing twice changes nothing; the rollups are still exact
    expect((await api('POST', `/api/merges/${mergeId}/undo`, tokens['manager.east']!)).body.status).toBe('undone');
    expect((await t.app.services.stats.rebuild()).corrected).toBe(0);
    expect((await t.inspect.audit.countDocuments({ action: 'customer.unmerge' }))).toBe(1);
  });

  it('offers undo for 30 days only', async () => {
    const a = await customer(tokens['manager.east']!, { type: 'company', name: '期限测试甲有限公司', industry: '教育' });
    const b = await customer(tokens['manager.east']!, { type: 'company', name: '期限测试乙有限公司', industry: '教育' });
    const done = await api('POST', `/api/customers/${a}/merge`, tokens['manager.east']!, { mergedId: b });
    clock.advance(31 * 86_400_000);
    const late = await api('POST', `/api/merges/${done.body.id}/undo`, tokens['manager.east']!);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe('合并已超过 30 天，不能撤销');
    expect((await api('GET', `/api/customers/${a}/merges`, tokens['manager.east']!)).body.items[0]).toMatchObject({ canUndo: false, status: 'done' });
  });
});
