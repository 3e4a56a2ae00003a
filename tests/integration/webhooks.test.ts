// Webhooks (K12): admins subscribe a URL to domain events; deliveries go out signed, retry with
// backoff for 24 hours, keep one record's events in order, survive a restart, and never reach
// inside the network. A real receiver listens on loopback (allowed by WEBHOOK_ALLOW_PRIVATE_TARGETS);
// time moves on a manual clock and the delivery job's work is run by calling the service.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/src/app.ts';
import { ManualClock } from '../../server/src/core/clock.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { TargetGuard } from '../../server/src/modules/webhooks/target-guard.ts';
import { attemptDelivery } from '../../server/src/modules/webhooks/webhook-delivery.ts';
import { openTestDatabase } from '../helpers/database.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;

const clock = new ManualClock('2026-06-01T02:00:00Z');
const env = { WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: '3000', SESSION_TTL_HOURS: '10000' };
let t: TestApp;
let admin: string;
let rep: string;

// ---- the receiver ---------------------------------------------------------------------------------

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Json;
  answered: number;
}

let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** the status each path answers, in turn; the last one repeats */
const answers = new Map<string, number[]>();

function answerFor(path: string): number {
  const queue = answers.get(path) ?? [200];
  return queue.length > 1 ? queue.shift()! : queue[0]!;
}

const at = (path: string) => received.filter((r) => r.path === path);

/** What a receiver does: recompute the HMAC over "<t>.<raw body>" with the secret, compare in constant time. */
function verify(secret: string, header: string, raw: string): boolean {
  const fields = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${fields.t}.${raw}`).digest();
  const given = Buffer.from(fields.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const answered = answerFor(path);
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) as Json, answered });
      res.writeHead(answered, { 'Content-Type': 'text/plain' }).end(answered < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp({ clock, env });
  [admin, rep] = (await Promise.all(['admin', 'rep.east1'].map((l) => t.login(l)))) as [string, string];
});

afterAll(async () => {
  await t.close();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

// every test subscribes its own path; removing the subscriptions through the API keeps the next test's events to itself
afterEach(async () => {
  const { items } = (await (await t.request('/api/webhooks', { token: admin })).json()) as { items: Json[] };
  for (const hook of items) expect((await t.request(`/api/webhooks/${hook.id}`, { method: 'DELETE', token: admin })).status).toBe(204);
});

// ---- helpers ------------------------------------------------------------------------------------

async function subscribe(path: string, events: string[], extra: Json = {}): Promise<Json> {
  const response = await t.request('/api/webhooks', { method: 'POST', token: admin, json: { url: receiverUrl + path, events, ...extra } });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

let customerCount = 0;
async function createCustomer(): Promise<Json> {
  customerCount++;
  const response = await t.request('/api/customers', {
    method: 'POST',
    token: rep,
    json: { type: 'company', name: `钩子测试${customerCount}号科技有限公司`, industry: '互联网', source: '官网' },
  });
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(201);
  return body;
}

async function deliveries(hookId: string, query = ''): Promise<Json[]> {
  const response = await t.request(`/api/webhooks/${hookId}/deliveries${query}`, { token: admin });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Json[] }).items;
}

const deliver = () => t.app.services.webhooks.deliverDue();

// ---- the tests ----------------------------------------------------------------------------------

describe('webhook deliveries', () => {
  it('signs a customer.created delivery that the receiver can verify with the secret shown once', async () => {
    const hook = await subscribe('/created', ['customer.created']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(hook).toMatchObject({ url: `${receiverUrl}/created`, events: ['customer.created'], active: true, disabledReason: null });

    const customer = await createCustomer();
    expect(await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hook.id })).toBe(1);
    expect(await deliver()).toMatchObject({ delivered: 1 });

    const [request] = at('/created');
    expect(at('/created')).toHaveLength(1);
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(request!.headers['x-kemai-event']).toBe('customer.created');
    const signature = String(request!.headers['x-kemai-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(hook.secret, signature, request!.raw)).toBe(true);
    expect(verify('whsec_not-the-secret', signature, request!.raw)).toBe(false);
    expect(Number(/t=(\d+)/.exec(signature)![1])).toBe(Math.floor(clock.now().getTime() / 1000));
    expect(request!.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), type: 'customer.created', occurredAt: clock.now().toISOString(), data: expect.any(Object) });
    expect(request!.body.data).toMatchObject({ id: customer.id, name: customer.name, type: 'company', stage: 'lead', industry: '互联网', version: 0 });
    expect(request!.body.data).not.toHaveProperty('nameKey'); // derived keys stay inside

    const [logged] = await deliveries(hook.id);
    expect(logged).toMatchObject({ id: request!.headers['x-kemai-delivery'], type: 'customer.created', entityId: customer.id, status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    expect(logged!.responses).toEqual([expect.objectContaining({ statusCode: 200, error: null })]);
    expect(await t.inspect.audit.countDocuments({ action: 'webhook.create', entityId: hook.id })).toBe(1);
  });

  it('sends a test ping at once, and events the subscription does not want are not queued', async () => {
    const hook = await subscribe('/ping', ['ticket.resolved']);
    const response = await t.request(`/api/webhooks/${hook.id}/ping`, { method: 'POST', token: admin });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'ping', status: 'delivered', attempts: 1, lastStatusCode: 200 });
    expect(at('/ping').map((r) => r.body.type)).toEqual(['ping']);
    expect(verify(hook.secret, String(at('/ping')[0]!.headers['x-kemai-signature']), at('/ping')[0]!.raw)).toBe(true);
    await createCustomer();
    expect(await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hook.id })).toBe(1); // the ping only
  });

  it('retries a failing receiver with growing backoff under one delivery id, and delivers once', async () => {
    answers.set('/retry', [500, 500, 200]);
    const hook = await subscribe('/retry', ['customer.created']);
    await createCustomer();
    const start = clock.now().getTime();

    expect(await deliver()).toMatchObject({ retrying: 1 });
    let [logged] = await deliveries(hook.id);
    expect(logged).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(new Date(logged!.nextAttemptAt).getTime() - start).toBe(30_000);
    expect(await deliver()).toMatchObject({ delivered: 0, retrying: 0 }); // not due yet

    clock.advance(30_000);
    await deliver();
    [logged] = await deliveries(hook.id);
    expect(logged).toMatchObject({ attempts: 2, lastStatusCode: 500 });
    expect(new Date(logged!.nextAttemptAt).getTime() - clock.now().getTime()).toBe(60_000);

    clock.advance(60_000);
    await deliver();
    clock.advance(3_600_000);
    await deliver(); // nothing left to send
    [logged] = await deliveries(hook.id);
    expect(logged).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
    expect(logged!.responses.map((r: Json) => r.statusCode)).toEqual([500, 500, 200]);
    const gaps = logged!.responses.slice(1).map((r: Json, i: number) => new Date(r.at).getTime() - new Date(logged!.responses[i].at).getTime());
    expect(gaps).toEqual([30_000, 60_000]);

    const requests = at('/retry');
    expect(requests.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(requests.map((r) => r.headers['x-kemai-delivery']))).toEqual(new Set([logged!.id]));
    expect(new Set(requests.map((r) => r.raw)).size).toBe(1); // the same bytes each time
  });

  it('keeps one customer’s events in order: the update waits until the create is delivered', async () => {
    answers.set('/order', [500, 200]);
    const hook = await subscribe('/order', ['customer.created', 'customer.updated']);
    const customer = await createCustomer();
    const patched = await t.request(`/api/customers/${customer.id}`, { method: 'PATCH', token: rep, json: { level: 'A', version: customer.version } });
    expect(patched.status).toBe(200);
    expect(await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hook.id })).toBe(2);

    await deliver();
    expect(at('/order').map((r) => [r.body.type, r.answered])).toEqual([['customer.created', 500]]);
    clock.advance(10_000);
    await deliver();
    expect(at('/order')).toHaveLength(1); // the update is still held back

    clock.advance(20_000);
    await deliver();
    expect(at('/order').map((r) => [r.body.type, r.answered])).toEqual([
      ['customer.created', 500],
      ['customer.created', 200],
      ['customer.updated', 200],
    ]);
    expect(at('/order')[2]!.body.data).toMatchObject({ id: customer.id, level: 'A', version: 1 });
  });

  it('loses nothing over a restart in the middle of retrying', async () => {
    answers.set('/restart', [503, 200]);
    const hook = await subscribe('/restart', ['customer.created']);
    await createCustomer();
    await deliver();
    expect(at('/restart').map((r) => r.answered)).toEqual([503]);

    // the process stops here; a new one starts on the same database (the first app is never used again)
    const db = await openTestDatabase(t.db.dbName);
    try {
      const restarted = buildApp({
        config: t.config,
        logger: createLogger({ level: 'silent' }),
        connection: db.connection,
        sessionSecret: 'test-secret-of-at-least-thirty-two-characters',
        h5DistDir: '/nonexistent',
        clock,
      });
      clock.advance(30_000);
      expect(await restarted.services.webhooks.deliverDue()).toMatchObject({ delivered: 1 });
      clock.advance(3_600_000);
      expect(await restarted.services.webhooks.deliverDue()).toMatchObject({ delivered: 0, retrying: 0 });
      expect(db.unindexed(), 'query shapes of the restarted app').toEqual([]);
    } finally {
      await db.connection.close();
    }
    expect(await deliver()).toMatchObject({ delivered: 0, retrying: 0 });
    expect(at('/restart').map((r) => r.answered)).toEqual([503, 200]);
    const [logged] = await deliveries(hook.id);
    expect(logged).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('after 24 hours of failures fails the delivery, turns the subscription off and tells the admins; redelivery works once enabled again', async () => {
    answers.set('/down', [500]);
    const hook = await subscribe('/down', ['customer.created']);
    await createCustomer();
    const started = clock.now().getTime();
    let logged: Json | undefined;
    for (let i = 0; i < 100; i++) {
      await deliver();
      [logged] = await deliveries(hook.id);
      if (logged!.status !== 'pending') break;
      clock.set(logged!.nextAttemptAt);
    }
    expect(logged).toMatchObject({ status: 'failed', lastStatusCode: 500 });
    expect(logged!.attempts).toBeGreaterThan(20);
    expect(new Date(logged!.failedAt).getTime() - started).toBe(24 * 3_600_000); // the last retry falls on the 24th hour
    expect(at('/down')).toHaveLength(logged!.attempts);

    const off = (await (await t.request(`/api/webhooks/${hook.id}`, { token: admin })).json()) as Json;
    expect(off).toMatchObject({ active: false, disabledReason: 'failing' });
    expect(await t.inspect.audit.countDocuments({ action: 'webhook.disable', entityId: hook.id })).toBe(1);
    const adminId = ((await t.inspect.users.findOne({ login: 'admin' }).lean()) as Json)._id;
    const notice = (await t.inspect.outbox.find({ 'card.id': { $regex: `^webhook-off-${hook.id}` } }).lean()) as Json[];
    expect(notice.map((n) => String(n.userId))).toContain(String(adminId));
    expect(notice[0]!.card.data).toMatchObject({ kind: 'webhookDisabled', webhookId: hook.id, lastError: 'HTTP 500' });

    // while it is off nothing is queued for it, and a redelivery is refused
    await createCustomer();
    expect(await t.inspect.webhookDeliveries.countDocuments({ subscriptionId: hook.id })).toBe(1);
    const refused = await t.request(`/api/webhooks/deliveries/${logged!.id}/redeliver`, { method: 'POST', token: admin });
    expect(refused.status).toBe(409);

    answers.set('/down', [200]);
    const enabled = await t.request(`/api/webhooks/${hook.id}`, { method: 'PATCH', token: admin, json: { active: true } });
    expect(await enabled.json()).toMatchObject({ active: true, disabledReason: null });
    const again = await t.request(`/api/webhooks/deliveries/${logged!.id}/redeliver`, { method: 'POST', token: admin });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ id: logged!.id, status: 'pending' });
    await deliver();
    const [after] = await deliveries(hook.id);
    expect(after).toMatchObject({ id: logged!.id, status: 'delivered', lastStatusCode: 200, attempts: logged!.attempts + 1 });
    expect(at('/down').at(-1)!.headers['x-kemai-delivery']).toBe(logged!.id);
    expect(await t.inspect.audit.countDocuments({ action: 'webhook.redeliver', entityId: hook.id })).toBe(1);
    expect(await deliveries(hook.id, '?status=failed')).toEqual([]);
  });

  it('carries the events of follow-ups, deletions and leads, with ids as strings', async () => {
    const hook = await subscribe('/others', ['followup.created', 'customer.deleted', 'lead.assigned']);
    const customer = await createCustomer();
    const followUp = await t.request(`/api/customers/${customer.id}/follow-ups`, { method: 'POST', token: rep, json: { method: 'call', content: '电话沟通需求' } });
    expect(followUp.status).toBe(201);
    expect((await t.request(`/api/customers/${customer.id}`, { method: 'DELETE', token: admin })).status).toBeLessThan(300);
    const lead = await t.request('/api/leads', { method: 'POST', token: rep, json: { name: '钩子线索', phone: '13700007777', province: '浙江', keep: true } });
    expect(lead.status, await lead.clone().text()).toBeLessThan(300);
    await deliver();
    const byType = new Map(at('/others').map((r) => [r.body.type as string, r.body.data as Json]));
    expect([...byType.keys()].sort()).toEqual(['customer.deleted', 'followup.created', 'lead.assigned']);
    expect(byType.get('followup.created')).toMatchObject({ id: ((await followUp.json()) as Json).id, customerId: customer.id, method: 'call', content: '电话沟通需求' });
    expect(byType.get('customer.deleted')).toMatchObject({ id: customer.id, deletedAt: expect.any(String) });
    expect(byType.get('lead.assigned')).toMatchObject({ name: '钩子线索', assignedTo: expect.stringMatching(/^[0-9a-f]{24}$/), route: 'self' });
    expect((await deliveries(hook.id)).every((d) => d.status === 'delivered')).toBe(true);
  });

  it('tells of owner changes made through the pool and a handover, and of an opportunity’s stage', async () => {
    const hook = await subscribe('/owners', ['customer.updated', 'opportunity.stage_changed']);
    const released = await createCustomer();
    expect((await t.request(`/api/customers/${released.id}/release`, { method: 'POST', token: rep, json: { reason: '暂无需求' } })).status).toBe(200);
    const handed = await createCustomer();
    const users = (await (await t.request('/api/org/users', { token: admin })).json()) as { items: Json[] };
    const east1 = users.items.find((u) => u.login === 'rep.east1')!.id as string;
    const east2 = users.items.find((u) => u.login === 'rep.east2')!.id as string;
    expect((await t.request(`/api/org/users/${east1}/handover`, { method: 'POST', token: admin, json: { toUserId: east2 } })).status).toBe(200);
    const opportunity = await t.request('/api/opportunities', { method: 'POST', token: admin, json: { customerId: handed.id, title: '钩子商机', amount: 500 } });
    expect(opportunity.status).toBe(201);
    const moved = await t.request(`/api/opportunities/${((await opportunity.json()) as Json).id}/stage`, { method: 'POST', token: admin, json: { stage: 'proposal' } });
    expect(moved.status, await moved.clone().text()).toBe(200);
    await deliver();
    await deliver();
    const updates = at('/owners').filter((r) => r.body.type === 'customer.updated').map((r) => r.body.data as Json);
    expect(updates.find((d) => d.id === released.id)).toMatchObject({ ownerId: null, pool: expect.any(Object) });
    expect(updates.find((d) => d.id === handed.id)).toMatchObject({ ownerId: east2 });
    const stage = at('/owners').find((r) => r.body.type === 'opportunity.stage_changed')!.body.data as Json;
    expect(stage).toMatchObject({ stage: 'proposal', customerId: handed.id });
    // hand the customers back for the tests that follow
    expect((await t.request(`/api/org/users/${east2}/handover`, { method: 'POST', token: admin, json: { toUserId: east1 } })).status).toBe(200);
  });

  it('pages the delivery log with a cursor, newest first', async () => {
    const hook = await subscribe('/log', ['customer.created']);
    for (let i = 0; i < 3; i++) {
      await createCustomer();
      clock.advance(1_000);
    }
    const first = (await (await t.request(`/api/webhooks/${hook.id}/deliveries?limit=2`, { token: admin })).json()) as Json;
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toBeTruthy();
    const second = (await (await t.request(`/api/webhooks/${hook.id}/deliveries?limit=2&cursor=${first.nextCursor}`, { token: admin })).json()) as Json;
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const times = [...first.items, ...second.items].map((d: Json) => new Date(d.createdAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});

describe('who may manage webhooks, and where they may point', () => {
  it('is for admins only; the secret never comes back after creation', async () => {
    for (const [method, path] of [['GET', '/api/webhooks'], ['POST', '/api/webhooks'], ['GET', '/api/webhooks/events']] as const) {
      const response = await t.request(path, { method, token: rep, ...(method === 'POST' ? { json: { url: `${receiverUrl}/x`, events: ['customer.created'] } } : {}) });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(((await response.json()) as Json).error.code).toBe('FORBIDDEN');
    }
    const own = await subscribe('/mine', ['payment.received'], { secret: 'my-own-secret-of-some-length' });
    expect(own).not.toHaveProperty('secret'); // the admin's own secret is not echoed
    const made = await subscribe('/made', ['lead.assigned']);
    expect(await t.request(`/api/webhooks/${made.id}`, { token: rep })).toHaveProperty('status', 403);

    const list = await (await t.request('/api/webhooks', { token: admin })).text();
    const one = await (await t.request(`/api/webhooks/${made.id}`, { token: admin })).text();
    const rotated = (await (await t.request(`/api/webhooks/${made.id}`, { method: 'PATCH', token: admin, json: { rotateSecret: true } })).json()) as Json;
    expect(rotated.secret).toMatch(/^whsec_/);
    const after = await (await t.request('/api/webhooks', { token: admin })).text();
    for (const text of [list, one, after]) {
      expect(text).not.toContain(made.secret);
      expect(text).not.toContain('my-own-secret-of-some-length');
      expect(text).not.toContain(rotated.secret);
      expect(text).not.toContain('"secret"');
    }
    // the secret is stored as given, since the server signs with it
    expect((await t.inspect.webhookSubscriptions.findById(own.id).lean())!.secret).toBe('my-own-secret-of-some-length');
  });

  it('refuses internal and non-http targets when subscribing or changing the URL, in the caller’s language', async () => {
    for (const url of ['http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://0.0.0.0/', 'http://100.64.0.1/', 'http://192.168.1.10/']) {
      const response = await t.request('/api/webhooks', { method: 'POST', token: admin, json: { url, events: ['customer.created'] } });
      const body = (await response.json()) as Json;
      expect(response.status, url).toBe(400);
      expect(body.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('内网') });
    }
    const english = await t.request('/api/webhooks', { method: 'POST', token: admin, headers: { 'Accept-Language': 'en' }, json: { url: 'http://169.254.169.254/', events: ['customer.created'] } });
    expect(((await english.json()) as Json).error.message).toMatch(/169\.254\.169\.254 points to a private, loopback or reserved address/);
    const ftp = await t.request('/api/webhooks', { method: 'POST', token: admin, json: { url: 'ftp://example.com/drop', events: ['customer.created'] } });
    expect(((await ftp.json()) as Json).error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('http://') });

    const hook = await subscribe('/moving', ['customer.created']);
    const moved = await t.request(`/api/webhooks/${hook.id}`, { method: 'PATCH', token: admin, json: { url: 'http://10.0.0.8/hook' } });
    expect(moved.status).toBe(400);
    expect(await t.inspect.webhookSubscriptions.countDocuments({})).toBe(1);
  });

  it('without an allowance refuses loopback, private, link-local, CGNAT and unique-local targets, names included', async () => {
    const guard = new TargetGuard([]);
    const refused = ['http://127.0.0.1:8080/', 'http://localhost/hook', 'http://10.0.0.1/', 'http://169.254.169.254/', 'http://172.20.0.1/', 'http://100.100.1.1/', 'http://[fd00::1]/', 'http://[fe80::1]/', 'http://[::ffff:127.0.0.1]/', 'http://2130706433/', 'http://224.0.0.1/', 'file:///etc/passwd', 'not a url'];
    for (const url of refused) await expect(guard.check(url), url).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(guard.check('https://93.184.216.34/hook')).resolves.toBeUndefined();
    // a name is judged by every address it resolves to
    const resolving = (addresses: string[]) => new TargetGuard([], async () => addresses);
    await expect(resolving(['93.184.216.34', '10.0.0.2']).check('https://hooks.example.com/')).rejects.toMatchObject({ messageKey: 'error.webhook.privateTarget' });
    await expect(resolving(['93.184.216.34']).check('https://hooks.example.com/')).resolves.toBeUndefined();
    await expect(new TargetGuard([], async () => { throw new Error('ENOTFOUND'); }).check('https://nowhere.invalid/')).rejects.toMatchObject({ messageKey: 'error.webhook.unresolvable' });
    // what the configuration allows
    const allowing = new TargetGuard(['10.1.0.0/16', '192.168.1.5', 'hooks.intranet'], async () => ['10.9.9.9']);
    await expect(allowing.check('http://10.1.2.3/')).resolves.toBeUndefined();
    await expect(allowing.check('http://192.168.1.5/')).resolves.toBeUndefined();
    await expect(allowing.check('http://hooks.intranet/')).resolves.toBeUndefined();
    await expect(allowing.check('http://10.2.0.1/')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(allowing.check('http://other.intranet/')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('connects to the address it judged: a name that turns internal after the check is refused (DNS rebinding)', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const delivery = { id: 'd-rebind', type: 'customer.created', url: `http://hooks.example.com:${port}/rebind`, secret: 's', body: '{"id":"x"}' };
    // the first answer (the check) is public, the next (the socket's own lookup) is loopback
    const answersOfDns = [['93.184.216.34'], ['127.0.0.1']];
    const rebinding = new TargetGuard([], async () => answersOfDns.shift() ?? ['127.0.0.1']);
    const outcome = await attemptDelivery(delivery, { guard: rebinding, timeoutMs: 2000, at: new Date() });
    expect(outcome).toMatchObject({ ok: false, statusCode: null, error: 'refused: error.webhook.privateTarget' });
    expect(at('/rebind')).toHaveLength(0);
    // an allowed name is sent to exactly the address the guard's lookup gave
    const pinned = new TargetGuard(['hooks.example.com'], async () => ['127.0.0.1']);
    const sent = await attemptDelivery(delivery, { guard: pinned, timeoutMs: 2000, at: new Date() });
    expect(sent).toMatchObject({ ok: true, statusCode: 200 });
    expect(at('/rebind')).toHaveLength(1);
  });
});
