// The open API (/api/v1): tokens made by admins, shown once and stored as a hash; each token acts
// within its owner's scope and its own resource grants; upserts by external id; bulk; versions;
// rate limits; cursor paging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let admin: string;
let users: Record<DemoLogin, string>;

beforeAll(async () => {
  t = await startTestApp({ env: { API_RATE_PER_MINUTE: '10000' } });
  admin = await t.login('admin');
  users = await demoUserIds(t);
});
afterAll(() => t.close());

async function makeToken(body: Json): Promise<Json> {
  const response = await t.request('/api/api-tokens', { method: 'POST', token: admin, json: body });
  expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
  return (await response.json()) as Json;
}

async function call(token: string, method: string, path: string, json?: unknown, headers: Record<string, string> = {}) {
  const response = await t.request(`/api/v1${path}`, { method, token, headers, ...(json !== undefined ? { json } : {}) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const company = (name: string, extra: Json = {}) => ({ type: 'company', name, industry: '互联网', source: '官网', ...extra });

describe('API tokens', () => {
  it('are made by admins only, shown once, and stored as a hash', async () => {
    const rep = await t.login('rep.east1');
    const refused = await t.request('/api/api-tokens', { method: 'POST', token: rep, json: { name: 'x', ownerUserId: users['rep.east1'], permissions: { customers: 'read' } } });
    expect(refused.status).toBe(403);

    const made = await makeToken({ name: 'ERP sync', ownerUserId: users['rep.east1'], permissions: { customers: 'write' } });
    expect(made.token).toMatch(/^kmt_[A-Za-z0-9_-]{43}$/);
    expect(made.hint).toBe(`${made.token.slice(0, 8)}…${made.token.slice(-4)}`);
    const stored = (await t.inspect.apiTokens.findById(made.id).lean()) as Json;
    expect(stored.hash).toBe(createHash('sha256').update(made.token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(made.token);

    const listed = (await (await t.request('/api/api-tokens', { token: admin })).json()) as Json;
    const row = listed.items.find((i: Json) => i.id === made.id);
    expect(row).toMatchObject({ name: 'ERP sync', hint: made.hint, active: true, owner: { id: users['rep.east1'] } });
    expect(JSON.stringify(listed)).not.toContain(made.token);
    expect(await t.inspect.audit.countDocuments({ action: 'apiToken.create', entityId: stored._id })).toBe(1);
  });

  it('refuses an owner and a role together, neither, or an expiry beyond two years', async () => {
    for (const body of [
      { name: 'x', permissions: { customers: 'read' } },
      { name: 'x', ownerUserId: users.admin, integrationRole: 'admin', permissions: { customers: 'read' } },
      { name: 'x', ownerUserId: users.admin, permissions: { customers: 'read' }, expiresAt: new Date(Date.now() + 3 * 366 * 86_400_000).toISOString() },
      { name: 'x', ownerUserId: users.admin, permissions: { nothing: 'read' } },
    ]) {
      expect((await t.request('/api/api-tokens', { method: 'POST', token: admin, json: body })).status).toBe(400);
    }
  });
});

describe('authentication and scope', () => {
  let east: string;
  let south: string;
  let southCustomer: string;

  beforeAll(async () => {
    east = (await makeToken({ name: 'east', ownerUserId: users['rep.east1'], permissions: { customers: 'write', contacts: 'write' } })).token;
    south = (await makeToken({ name: 'south', ownerUserId: users['rep.south1'], permissions: { customers: 'write' } })).token;
    const created = await call(south, 'POST', '/customers', company('南方测试科技有限公司'));
    expect(created.status).toBe(201);
    southCustomer = created.body.id;
  });

  it("acts within the owner's scope: another rep's customers are neither listed nor readable", async () => {
    const mine = await call(east, 'POST', '/customers', company('东方测试科技有限公司'));
    expect(mine.status).toBe(201);
    const list = await call(east, 'GET', '/customers?limit=200');
    expect(list.status).toBe(200);
    const ids = list.body.items.map((c: Json) => c.id);
    expect(ids).toContain(mine.body.id);
    expect(ids).not.toContain(southCustomer);
    expect((await call(east, 'GET', `/customers/${southCustomer}`)).status).toBe(404);
    expect((await call(east, 'PATCH', `/customers/${southCustomer}`, { level: 'A' })).status).toBe(404);
    // recorded as made through the API, by the token's owner
    const audit = (await t.inspect.audit.findOne({ action: 'customer.create', entityId: mine.body.id }).lean()) as Json;
    expect(audit.client.via).toBe('api');
    expect(String(audit.actorId)).toBe(users['rep.east1']);
  });

  it('answers 401 without a token, with a session, or with an unknown token', async () => {
    expect((await t.request('/api/v1/customers')).status).toBe(401);
    const session = await t.login('rep.east1');
    const withSession = await call(session, 'GET', '/customers');
    expect(withSession.status).toBe(401);
    expect(withSession.body.error.code).toBe('UNAUTHENTICATED');
    // nor does the session cookie count
    expect((await t.request('/api/v1/customers', { headers: { Cookie: `kemai_session=${session}` } })).status).toBe(401);
    expect((await call(`kmt_${'x'.repeat(43)}`, 'GET', '/customers')).status).toBe(401);
  });

  it('does not let an API token into the rest of /api', async () => {
    expect((await t.request('/api/customers', { token: east })).status).toBe(401);
  });

  it('checks the resource grant: read-only tokens cannot write', async () => {
    const reader = (await makeToken({ name: 'reader', ownerUserId: users['rep.east1'], permissions: { customers: 'read' } })).token;
    expect((await call(reader, 'GET', '/customers')).status).toBe(200);
    const write = await call(reader, 'POST', '/customers', company('只读令牌有限公司'));
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('FORBIDDEN');
    expect((await call(reader, 'GET', '/contacts')).status).toBe(403);
    expect((await call(east, 'POST', '/customers', company('写令牌有限公司'))).status).toBe(201);
  });

  it('stops revoked and expired tokens, and tokens of a deactivated owner', async () => {
    const made = await makeToken({ name: 'short', ownerUserId: users['rep.east2'], permissions: { customers: 'read' }, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await call(made.token, 'GET', '/customers')).status).toBe(200);
    const revoked = await t.request(`/api/api-tokens/${made.id}`, { method: 'DELETE', token: admin });
    expect(revoked.status).toBe(200);
    expect((await call(made.token, 'GET', '/customers')).status).toBe(401);

    const expiring = await makeToken({ name: 'expiring', ownerUserId: users['rep.east2'], permissions: { customers: 'read' } });
    await t.app.models.apiTokens.updateOne({ _id: expiring.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await call(expiring.token, 'GET', '/customers')).status).toBe(401);

    const owned = await makeToken({ name: 'owned', ownerUserId: users['rep.east3'], permissions: { customers: 'read' } });
    expect((await call(owned.token, 'GET', '/customers')).status).toBe(200);
    await t.app.models.users.updateOne({ _id: users['rep.east3'] }, { $set: { active: false } });
    try {
      expect((await call(owned.token, 'GET', '/customers')).status).toBe(401);
    } finally {
      await t.app.models.users.updateOne({ _id: users['rep.east3'] }, { $set: { active: true } });
    }
  });

  it('lets an integration role act with that role, recorded under the token', async () => {
    const made = await makeToken({ name: 'BI export', integrationRole: 'director', permissions: { customers: 'read' } });
    const list = await call(made.token, 'GET', '/customers?limit=200');
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: Json) => c.id)).toContain(southCustomer);
  });

  it('updates lastUsedAt at most once a minute', async () => {
    const made = await makeToken({ name: 'touch', ownerUserId: users['rep.east1'], permissions: { customers: 'read' } });
    await call(made.token, 'GET', '/customers?limit=1');
    const first = ((await t.inspect.apiTokens.findById(made.id).lean()) as Json).lastUsedAt as Date;
    expect(first).toBeInstanceOf(Date);
    await call(made.token, 'GET', '/customers?limit=1');
    expect(((await t.inspect.apiTokens.findById(made.id).lean()) as Json).lastUsedAt).toEqual(first);
  });
});

describe('upserts, bulk and versions', () => {
  let token: string;
  beforeAll(async () => {
    token = (await makeToken({ name: 'erp', ownerUserId: users['rep.south2'], permissions: { customers: 'write', contacts: 'write' } })).token;
  });

  it('creates, then updates the same record by external id; a repeat changes nothing', async () => {
    const first = await call(token, 'PUT', '/customers/by-external/erp/C-1001', company('外部编号科技有限公司', { level: 'B' }));
    expect(first.status).toBe(201);
    expect(first.body.externalIds).toEqual({ erp: 'C-1001' });
    const stored = (await t.inspect.customers.findById(first.body.id).lean()) as Json;
    expect(stored.externalKeys).toEqual(['erp:C-1001']);

    const second = await call(token, 'PUT', '/customers/by-external/erp/C-1001', { ...company('外部编号科技有限公司'), level: 'A' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, level: 'A', version: first.body.version + 1 });

    const again = await call(token, 'PUT', '/customers/by-external/erp/C-1001', { ...company('外部编号科技有限公司'), level: 'A' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, version: second.body.version });
    expect(await t.inspect.customers.countDocuments({ externalKeys: 'erp:C-1001' })).toBe(1);
  });

  it('upserts contacts by external id under their customer', async () => {
    const customer = await call(token, 'POST', '/customers', company('联系人外部编号有限公司', { externalIds: { crm: 'X9' } }));
    expect(customer.body.externalIds).toEqual({ crm: 'X9' });
    const first = await call(token, 'PUT', '/contacts/by-external/erp/P-1', { customerId: customer.body.id, name: '张三', phones: ['13900139001'] });
    expect(first.status).toBe(201);
    const second = await call(token, 'PUT', '/contacts/by-external/erp/P-1', { customerId: customer.body.id, position: '采购经理' });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, name: '张三', position: '采购经理', externalIds: { erp: 'P-1' } });
  });

  it('creates one contact when two syncs of the same new external id arrive at once', async () => {
    const customer = await call(token, 'POST', '/customers', company('并发外部编号有限公司'));
    const body = { customerId: customer.body.id, name: '并发', phones: ['13900139077'] };
    const both = await Promise.all([call(token, 'PUT', '/contacts/by-external/erp/P-RACE', body), call(token, 'PUT', '/contacts/by-external/erp/P-RACE', body)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 201]);
    expect(both[0]!.body.id).toBe(both[1]!.body.id);
    expect(await t.inspect.contacts.countDocuments({ customerId: customer.body.id })).toBe(1);
  });

  it('refuses a bad system name in the path', async () => {
    expect((await call(token, 'PUT', '/customers/by-external/ERP!/1', company('坏系统名有限公司'))).status).toBe(400);
  });

  it('answers bulk upserts record by record: a bad one fails alone', async () => {
    const items = [
      { system: 'erp', externalId: 'B-1', data: company('批量一号科技有限公司') },
      { system: 'erp', externalId: 'B-2', data: { type: 'company', name: '' } },
      { system: 'erp', externalId: 'B-3', data: company('批量三号科技有限公司') },
      { system: 'erp', externalId: 'B-1', data: { ...company('批量一号科技有限公司'), level: 'A' } },
    ];
    const result = await call(token, 'POST', '/customers/bulk', { items });
    expect(result.status).toBe(200);
    const [one, two, three, four] = result.body.results;
    expect(one).toMatchObject({ index: 0, status: 'created' });
    expect(two).toMatchObject({ index: 1, status: 'error', error: { code: 'VALIDATION' } });
    expect(three).toMatchObject({ index: 2, status: 'created' });
    expect(four).toMatchObject({ index: 3, status: 'updated', id: one.id });
    expect(await t.inspect.customers.countDocuments({ externalKeys: { $in: ['erp:B-1', 'erp:B-2', 'erp:B-3'] } })).toBe(2);
  });

  it('refuses more than 1,000 records at once', async () => {
    const items = Array.from({ length: 1001 }, (_, i) => ({ system: 'erp', externalId: `M-${i}`, data: {} }));
    const result = await call(token, 'POST', '/customers/bulk', { items });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('VALIDATION');
  });

  it('bulk-upserts contacts', async () => {
    const customer = await call(token, 'POST', '/customers', company('批量联系人有限公司'));
    const result = await call(token, 'POST', '/contacts/bulk', {
      items: [
        { system: 'erp', externalId: 'BP-1', data: { customerId: customer.body.id, name: '李四' } },
        { system: 'erp', externalId: 'BP-2', data: { customerId: '0'.repeat(24), name: '王五' } },
      ],
    });
    expect(result.body.results.map((r: Json) => r.status)).toEqual(['created', 'error']);
    expect(result.body.results[1].error.code).toBe('NOT_FOUND');
  });

  it('refuses a stale If-Match with 409 CONFLICT', async () => {
    const created = await call(token, 'POST', '/customers', company('版本冲突科技有限公司'));
    const ok = await call(token, 'PATCH', `/customers/${created.body.id}`, { level: 'A' }, { 'If-Match': `"${created.body.version}"` });
    expect(ok.status).toBe(200);
    const stale = await call(token, 'PATCH', `/customers/${created.body.id}`, { level: 'B' }, { 'If-Match': String(created.body.version) });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONFLICT');
  });

  it('versions contacts too: an edit without one is refused, a stale one answers CONFLICT in the caller’s language', async () => {
    const customer = await call(token, 'POST', '/customers', company('联系人版本科技有限公司'));
    const contact = await call(token, 'POST', '/contacts', { customerId: customer.body.id, name: '王五', phones: ['13900139088'] });
    expect(contact.status).toBe(201);
    expect(contact.body.version).toBe(0);
    expect((await call(token, 'PATCH', `/contacts/${contact.body.id}`, { position: '经理' })).status).toBe(400);
    const ok = await call(token, 'PATCH', `/contacts/${contact.body.id}`, { position: '经理' }, { 'If-Match': '0' });
    expect(ok.body).toMatchObject({ position: '经理', version: 1 });
    const stale = await call(token, 'PATCH', `/contacts/${contact.body.id}`, { position: '总监', version: 0 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/他人修改/);
    // the H5 app's edits without a version still go through, and bump it
    const session = await t.login('rep.south2');
    expect((await t.request(`/api/contacts/${contact.body.id}`, { method: 'PATCH', token: session, json: { notes: '补充' } })).status).toBe(200);
    expect((await t.inspect.contacts.findById(contact.body.id).lean())?.version).toBe(2);
  });
});

describe('orders and payments by external id', () => {
  let token: string;
  let customerId: string;
  let contractId: string;
  let instalmentId: string;
  beforeAll(async () => {
    token = (await makeToken({ name: 'finance', ownerUserId: users['rep.east2'], permissions: { customers: 'write', contracts: 'write', orders: 'write', payments: 'write' } })).token;
    customerId = (await call(token, 'POST', '/customers', company('订单回款同步科技有限公司'))).body.id;
    const contract = await call(token, 'POST', '/contracts', { customerId, title: '同步合同', amount: 1000, plan: [{ dueOn: '2026-09-01', amount: 1000 }] });
    expect(contract.status).toBe(201);
    contractId = contract.body.id;
    instalmentId = contract.body.plan[0].id;
    // approval is the H5 flow's business: money needs a contract in force
    await t.app.models.contracts.updateOne({ _id: contractId }, { $set: { status: 'active' } });
  });

  const receivedFen = async () => ((await t.inspect.contracts.findById(contractId).lean()) as Json).receivedFen as number;

  it('orders: creates, a repeat changes nothing, the status moves, a changed order is refused', async () => {
    const order = { customerId, items: [{ name: '软件许可', quantity: 2, unitPrice: 50 }], orderedOn: '2026-06-01', paymentMethod: '银行转账' };
    const first = await call(token, 'PUT', '/orders/by-external/erp/SO-1', order);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ customerId, amountFen: 10000, status: 'pending', externalIds: { erp: 'SO-1' } });
    expect(((await t.inspect.orders.findById(first.body.id).lean()) as Json).externalKeys).toEqual(['erp:SO-1']);

    const again = await call(token, 'PUT', '/orders/by-external/erp/SO-1', order);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);

    const paid = await call(token, 'PUT', '/orders/by-external/erp/SO-1', { ...order, status: 'paid' });
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ id: first.body.id, status: 'paid', amountFen: 10000 });

    const changed = await call(token, 'PUT', '/orders/by-external/erp/SO-1', { ...order, items: [{ name: '软件许可', quantity: 3, unitPrice: 50 }] });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'CONFLICT', details: [{ path: 'items' }] });
    expect(changed.body.error.message).toContain('订单登记后只能修改状态');
    const inEnglish = await call(token, 'PUT', '/orders/by-external/erp/SO-1', { ...order, orderedOn: '2026-06-02' }, { 'Accept-Language': 'en' });
    expect(inEnglish.body.error.message).toBe('Only the status of a recorded order can change; these fields differ from what was recorded: orderedOn');
    expect(await t.inspect.orders.countDocuments({ customerId })).toBe(1);
    expect(((await t.inspect.orders.findById(first.body.id).lean()) as Json).amountFen).toBe(10000);

    // a retry after a crash between the order and its external id finds the order by its retry key
    await t.app.models.orders.updateOne({ _id: first.body.id }, { $unset: { externalIds: 1, externalKeys: 1 } });
    const retried = await call(token, 'PUT', '/orders/by-external/erp/SO-1', order);
    expect(retried.body).toMatchObject({ id: first.body.id, externalIds: { erp: 'SO-1' } });
    expect(await t.inspect.orders.countDocuments({ customerId })).toBe(1);
  });

  it('orders: bulk answers record by record', async () => {
    const order = { customerId, items: [{ name: '实施服务', quantity: 1, unitPrice: 200 }], orderedOn: '2026-06-03' };
    const result = await call(token, 'POST', '/orders/bulk', {
      items: [
        { system: 'erp', externalId: 'SO-2', data: order },
        { system: 'erp', externalId: 'SO-3', data: { ...order, items: [] } },
        { system: 'erp', externalId: 'SO-2', data: { ...order, status: 'delivered' } },
      ],
    });
    expect(result.status).toBe(200);
    const [one, two, three] = result.body.results;
    expect(one).toMatchObject({ index: 0, status: 'created' });
    expect(two).toMatchObject({ index: 1, status: 'error', error: { code: 'VALIDATION' } });
    expect(three).toMatchObject({ index: 2, status: 'updated', id: one.id });
    expect(((await t.inspect.orders.findById(one.id).lean()) as Json).status).toBe('delivered');
    expect(await t.inspect.orders.countDocuments({ externalKeys: { $in: ['erp:SO-2', 'erp:SO-3'] } })).toBe(1);
  });

  it('payments: records once; a repeat answers the stored payment; changed money is refused', async () => {
    const payment = { contractId, instalmentId, amount: 300, receivedOn: '2026-06-02', method: '银行转账' };
    const first = await call(token, 'PUT', '/payments/by-external/fin/R-1', payment);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ contractId, instalmentId, amountFen: 30000, externalIds: { fin: 'R-1' } });
    expect(await receivedFen()).toBe(30000);

    const again = await call(token, 'PUT', '/payments/by-external/fin/R-1', payment);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await receivedFen()).toBe(30000);

    const changed = await call(token, 'PUT', '/payments/by-external/fin/R-1', { ...payment, amount: 500 });
    expect(changed.status).toBe(409);
    expect(changed.body.error).toMatchObject({ code: 'CONFLICT', details: [{ path: 'amount', message: 'recorded 300.00' }] });
    expect(changed.body.error.message).toContain('回款登记后不能修改');
    const inEnglish = await call(token, 'PUT', '/payments/by-external/fin/R-1', { ...payment, amount: 500 }, { 'Accept-Language': 'en' });
    expect(inEnglish.body.error.message).toBe('A recorded payment cannot be changed; these fields differ from what was recorded: amount');
    expect(await receivedFen()).toBe(30000);
    expect(await t.inspect.payments.countDocuments({ contractId })).toBe(1);

    // a retry after a crash between the money and its external id never counts the money twice
    await t.app.models.payments.updateOne({ _id: first.body.id }, { $unset: { externalIds: 1, externalKeys: 1 } });
    expect((await call(token, 'PUT', '/payments/by-external/fin/R-1', { ...payment, amount: 299 })).status).toBe(409);
    const retried = await call(token, 'PUT', '/payments/by-external/fin/R-1', payment);
    expect(retried.body).toMatchObject({ id: first.body.id, externalIds: { fin: 'R-1' } });
    expect(await receivedFen()).toBe(30000);
    expect(await t.inspect.payments.countDocuments({ contractId })).toBe(1);
  });

  it('payments: bulk answers record by record, refusing an overpayment alone', async () => {
    const payment = { contractId, instalmentId, amount: 100, receivedOn: '2026-06-05', method: '银行转账' };
    const result = await call(token, 'POST', '/payments/bulk', {
      items: [
        { system: 'fin', externalId: 'R-2', data: payment },
        { system: 'fin', externalId: 'R-3', data: { ...payment, amount: 100000 } },
        { system: 'fin', externalId: 'R-1', data: { contractId, instalmentId, amount: 300, receivedOn: '2026-06-02', method: '银行转账' } },
        { system: 'fin', externalId: 'R-2', data: { ...payment, amount: 101 } },
      ],
    });
    expect(result.status).toBe(200);
    const [two, three, one, changed] = result.body.results;
    expect(two).toMatchObject({ index: 0, status: 'created' });
    expect(three).toMatchObject({ index: 1, status: 'error', error: { code: 'VALIDATION' } });
    expect(one).toMatchObject({ index: 2, status: 'updated' });
    expect(changed).toMatchObject({ index: 3, status: 'error', error: { code: 'CONFLICT' } });
    expect(await receivedFen()).toBe(40000);
    expect(await t.inspect.payments.countDocuments({ contractId })).toBe(2);
  });
});

describe('paging', () => {
  it('walks every record with the cursor, without duplicates', async () => {
    const token = (await makeToken({ name: 'pager', ownerUserId: users['rep.south3'], permissions: { customers: 'write' } })).token;
    for (let i = 0; i < 7; i++) expect((await call(token, 'POST', '/customers', company(`分页测试${i}号科技有限公司`))).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: { body: Json } = await call(token, 'GET', `/customers?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...pageOf.body.items.map((c: Json) => c.id));
      cursor = pageOf.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect((await call(token, 'GET', '/customers?limit=201')).status).toBe(400);
  });
});
