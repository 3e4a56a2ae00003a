// The OpenAPI document of /api/v1 is generated from the routes' own schemas; this holds it to the
// routes: every mounted route is documented, the document is valid OpenAPI 3.1, and a real answer
// of every documented operation matches the response schema it documents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoUserIds } from '../helpers/users.ts';

type Json = Record<string, any>;
let t: TestApp;
let doc: Json;
let token: string;

beforeAll(async () => {
  t = await startTestApp({ env: { API_RATE_PER_MINUTE: '10000' } });
  const admin = await t.login('admin');
  const users = await demoUserIds(t);
  const permissions = Object.fromEntries(['customers', 'contacts', 'followUps', 'opportunities', 'contracts', 'orders', 'payments', 'tickets', 'tags', 'leads'].map((r) => [r, 'write']));
  const made = await t.request('/api/api-tokens', { method: 'POST', token: admin, json: { name: 'docs', ownerUserId: users.admin, permissions } });
  token = ((await made.json()) as Json).token;
  doc = (await (await t.request('/api/v1/openapi.json')).json()) as Json;
  serviceUser = users.service1;
});
afterAll(() => t.close());
let serviceUser: string;

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('the OpenAPI document', () => {
  it('is public and documents every route the v1 router mounts', () => {
    const routes = t.app.openApi.router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((m) => ({ method: m.toLowerCase(), path: openApiPath(String(layer.path)) })),
    );
    expect(routes.length).toBeGreaterThan(30);
    const undocumented = routes.filter((r) => r.path !== '/api/v1/openapi.json' && !doc.paths[r.path]?.[r.method]);
    expect(undocumented).toEqual([]);
    // and nothing documented that is not mounted
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method} ${path}`));
    expect(documented.filter((d) => !routes.some((r) => `${r.method} ${r.path}` === d))).toEqual([]);
  });

  it('is a valid OpenAPI 3.1 document with bearer security', async () => {
    await SwaggerParser.validate(structuredClone(doc) as never);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves a docs page that needs nothing from outside', async () => {
    const page = await t.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/docs/docs.js');
    expect(html).not.toMatch(/https?:\/\//);
    const script = await t.request('/api/docs/docs.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('/api/v1/openapi.json');
  });
});

describe('real answers match the documented responses', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // a CommonJS module: its default export sits on `default` under NodeNext
  (formats as unknown as { default: typeof formats.default }).default(ajv);
  const checked = new Set<string>();

  /** Calls an operation and checks the body against the schema documented for the status. */
  async function check(method: string, template: string, path: string, json?: unknown, headers: Record<string, string> = {}): Promise<Json> {
    const response = await t.request(`/api/v1${path}`, { method: method.toUpperCase(), token, headers, ...(json !== undefined ? { json } : {}) });
    const body = (await response.json()) as Json;
    expect(response.status, `${method} ${path}: ${JSON.stringify(body)}`).toBeLessThan(300);
    const documented = doc.paths[`/api/v1${template}`]?.[method]?.responses?.[String(response.status)];
    expect(documented, `${method} ${template} ${response.status} is documented`).toBeTruthy();
    const schema = documented.content['application/json'].schema;
    const validate = ajv.compile({ ...schema, components: doc.components });
    expect(validate(body), `${method} ${template}: ${JSON.stringify(validate.errors)}`).toBe(true);
    checked.add(`${method} /api/v1${template}`);
    return body;
  }

  it('for every documented operation', async () => {
    const company = { type: 'company', name: '文档样例科技有限公司', industry: '互联网', source: '官网' };
    const customer = await check('post', '/customers', '/customers', { ...company, externalIds: { erp: 'D-0' } });
    const id = customer.id as string;
    await check('get', '/customers', '/customers?limit=5');
    await check('get', '/customers/{id}', `/customers/${id}`);
    await check('patch', '/customers/{id}', `/customers/${id}`, { level: 'A' }, { 'If-Match': String(customer.version) });
    await check('put', '/customers/by-external/{system}/{externalId}', '/customers/by-external/erp/D-1', { ...company, name: '文档样例二号科技有限公司' });
    await check('post', '/customers/bulk', '/customers/bulk', { items: [{ system: 'erp', externalId: 'D-2', data: { ...company, name: '文档样例三号科技有限公司' } }, { system: 'erp', externalId: 'D-3', data: {} }] });

    const contact = await check('post', '/contacts', '/contacts', { customerId: id, name: '赵六', phones: ['13700137000'] });
    await check('get', '/contacts', '/contacts?limit=5');
    await check('get', '/contacts/{id}', `/contacts/${contact.id}`);
    await check('patch', '/contacts/{id}', `/contacts/${contact.id}`, { position: '总监' }, { 'If-Match': String(contact.version) });
    await check('put', '/contacts/by-external/{system}/{externalId}', '/contacts/by-external/erp/P-1', { customerId: id, name: '钱七' });
    await check('post', '/contacts/bulk', '/contacts/bulk', { items: [{ system: 'erp', externalId: 'P-2', data: { customerId: id, name: '孙八' } }] });

    const followUp = await check('post', '/follow-ups', '/follow-ups', { customerId: id, method: 'call', content: '电话沟通需求' });
    await check('get', '/follow-ups', `/follow-ups?customerId=${id}`);
    await check('get', '/follow-ups/{id}', `/follow-ups/${followUp.id}`);

    const opportunity = await check('post', '/opportunities', '/opportunities', { customerId: id, title: '年度采购', amount: 120000 });
    await check('get', '/opportunities', '/opportunities?limit=5');
    await check('get', '/opportunities/{id}', `/opportunities/${opportunity.id}`);
    await check('patch', '/opportunities/{id}', `/opportunities/${opportunity.id}`, { nextStep: '报价', version: opportunity.version });
    await check('put', '/opportunities/by-external/{system}/{externalId}', '/opportunities/by-external/erp/O-1', { customerId: id, title: '二期', amount: 5000 });
    await check('post', '/opportunities/bulk', '/opportunities/bulk', { items: [{ system: 'erp', externalId: 'O-2', data: { customerId: id, title: '三期', amount: 100 } }] });

    const contract = await check('post', '/contracts', '/contracts', { customerId: id, title: '年度合同', amount: 1000, plan: [{ dueOn: '2026-09-01', amount: 1000 }] });
    await check('get', '/contracts', '/contracts?limit=5');
    await check('get', '/contracts/{id}', `/contracts/${contract.id}`);
    await check('patch', '/contracts/{id}', `/contracts/${contract.id}`, { title: '年度合同（修订）' }, { 'If-Match': String(contract.version) });
    await check('put', '/contracts/by-external/{system}/{externalId}', '/contracts/by-external/erp/K-1', { customerId: id, title: '外部合同', amount: 10 });
    await check('post', '/contracts/bulk', '/contracts/bulk', { items: [{ system: 'erp', externalId: 'K-2', data: { customerId: id, title: '批量合同', amount: 10 } }] });

    const order = await check('post', '/orders', '/orders', { customerId: id, items: [{ name: '软件许可', quantity: 2, unitPrice: 50 }], orderedOn: '2026-06-01' });
    await check('get', '/orders', `/orders?customerId=${id}`);
    await check('patch', '/orders/{id}', `/orders/${order.id}`, { status: 'paid' });
    const orderBody = { customerId: id, items: [{ name: '实施服务', quantity: 1, unitPrice: 80 }], orderedOn: '2026-06-01' };
    await check('put', '/orders/by-external/{system}/{externalId}', '/orders/by-external/erp/SO-1', orderBody);
    await check('put', '/orders/by-external/{system}/{externalId}', '/orders/by-external/erp/SO-1', { ...orderBody, status: 'delivered' });
    await check('post', '/orders/bulk', '/orders/bulk', { items: [{ system: 'erp', externalId: 'SO-2', data: orderBody }, { system: 'erp', externalId: 'SO-3', data: {} }] });

    // a payment needs a contract in force (approval is the H5 flow's business)
    await t.app.models.contracts.updateOne({ _id: contract.id }, { $set: { status: 'active' } });
    const current = await check('get', '/contracts/{id}', `/contracts/${contract.id}`);
    await check('post', '/payments', '/payments', { contractId: contract.id, instalmentId: current.plan[0].id, amount: 400, receivedOn: '2026-06-02', method: '银行转账' });
    await check('get', '/payments', `/payments?contractId=${contract.id}`);
    const paymentBody = { contractId: contract.id, instalmentId: current.plan[0].id, amount: 100, receivedOn: '2026-06-03', method: '银行转账' };
    await check('put', '/payments/by-external/{system}/{externalId}', '/payments/by-external/fin/R-1', paymentBody);
    await check('put', '/payments/by-external/{system}/{externalId}', '/payments/by-external/fin/R-1', paymentBody);
    await check('post', '/payments/bulk', '/payments/bulk', { items: [{ system: 'fin', externalId: 'R-2', data: { ...paymentBody, amount: 50 } }, { system: 'fin', externalId: 'R-3', data: { ...paymentBody, amount: 99999 } }] });

    const ticket = await check('post', '/tickets', '/tickets', { customerId: id, category: '安装调试', description: '无法登录', assigneeId: serviceUser });
    await check('get', '/tickets', '/tickets?limit=5');
    await check('get', '/tickets/{id}', `/tickets/${ticket.id}`);
    await check('post', '/tickets/{id}/transition', `/tickets/${ticket.id}/transition`, { action: 'resolve', resolution: '已重置密码' });

    const groups = await check('get', '/tag-groups', '/tag-groups');
    await check('post', '/customers/{id}/tags', `/customers/${id}/tags`, { add: [groups.items[0].tags[0].name] });

    await check('post', '/leads', '/leads', { name: '周九', phone: '13600136000' });
    await check('get', '/leads', '/leads?limit=5');

    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as Json)
        .filter((m) => ['get', 'post', 'put', 'patch'].includes(m) && path !== '/api/v1/openapi.json')
        .map((m) => `${m} ${path}`),
    );
    expect(operations.filter((o) => !checked.has(o))).toEqual([]);
  });
});
