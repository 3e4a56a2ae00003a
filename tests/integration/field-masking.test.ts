// Field rules (K12): one serializer decides how phones, emails and addresses are shown, on every
// path. A role whose rules mask them reads every GET route of the API (taken from the router, so a
// new route fails here until it is classified), the export, the bot's reply and the cards; none may
// carry a raw value. The default rule (a rep sees numbers in full only as the owner) is checked too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoTokens, demoUserIds, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;

const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
let ids: Record<DemoLogin, string>;
let customerId: string;
let contactId: string;

/** what must never reach a masked reader, and what it sees instead */
const raw = ['13912345678', '86001234', 'boss@nanfeng', 'li.lei@nanfeng', '13787654321', '科技园南区', '13500001111'];
const masked = ['139****5678', '0755-****1234', 'b***@nanfeng-tech.cn', '137****4321'];

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  tokens = await demoTokens(t);
  ids = await demoUserIds(t);
  const as = (login: DemoLogin, path: string, method: string, json: unknown) => t.request(path, { method, token: tokens[login], json });
  const customer = await as('rep.south1', '/api/customers', 'POST', {
    type: 'company',
    name: '深圳南风科技有限公司',
    industry: '互联网',
    source: '官网',
    phones: ['13500001111', '0755-86001234'],
    email: 'boss@nanfeng-tech.cn',
    address: '深圳市南山区科技园南区88号',
    region: { province: '广东', city: '深圳' },
    collaboratorIds: [ids['rep.south2']],
  });
  expect(customer.status).toBe(201);
  const body = (await customer.json()) as Json;
  customerId = body.id;
  // an edit of the phones leaves their before and after in the audit trail
  const edited = await as('rep.south1', `/api/customers/${customerId}`, 'PATCH', { phones: ['13912345678', '0755-86001234'], version: body.version });
  expect(edited.status).toBe(200);
  const contact = await as('rep.south1', `/api/customers/${customerId}/contacts`, 'POST', { name: '李雷', phones: ['13787654321'], email: 'li.lei@nanfeng-tech.cn', isPrimary: true });
  expect(contact.status).toBe(201);
  contactId = ((await contact.json()) as Json).id;
  expect((await as('rep.south1', `/api/customers/${customerId}/follow-ups`, 'POST', { method: 'call', content: '电话沟通报价' })).status).toBe(201);

  // a manager whose role masks every sensitive field, with the rights to read all of it
  const role = await as('admin', '/api/roles', 'POST', {
    key: 'masked-manager',
    name: { zh: '脱敏经理', en: 'Masked manager' },
    copyOf: 'manager',
    fieldRules: { 'customer.phones': 'masked', 'customer.email': 'masked', 'customer.address': 'masked', 'contact.phones': 'masked', 'contact.email': 'masked' },
  });
  expect(role.status).toBe(201);
  expect((await as('admin', `/api/org/users/${ids['manager.south']}`, 'PATCH', { role: 'masked-manager' })).status).toBe(200);
});
afterAll(() => t.close());

const get = (login: DemoLogin, path: string) => t.request(path, { token: tokens[login] });

/**
 * Every GET route: the requests that read it with the sample customer in reach, or why it carries
 * no contact details of customers.
 */
function readsOf(route: string): string[] | string {
  const C = customerId;
  const table: Record<string, string[] | string> = {
    '/api/auth/dev-login': 'the demo logins',
    '/api/me': 'the caller',
    '/api/users': 'colleagues to assign to',
    '/api/org/users': 'colleagues (admins)',
    '/api/org/departments': 'departments',
    '/api/dictionaries': 'reference data',
    '/api/dictionaries/:type': 'reference data',
    '/api/settings/:section': 'settings',
    '/api/roles': 'roles',
    '/api/roles/:key/history': 'role changes',
    '/api/regions': 'reference data',
    '/api/customers': ['/api/customers', '/api/customers?keyword=南风'],
    '/api/customers/check-duplicate': ['/api/customers/check-duplicate?type=company&name=深圳南风科技有限公司'],
    '/api/customers/:id': [`/api/customers/${C}`],
    '/api/pool': ['/api/pool'],
    '/api/pools': 'pool settings',
    '/api/customers/:id/contacts': [`/api/customers/${C}/contacts`],
    '/api/customers/:id/follow-ups': [`/api/customers/${C}/follow-ups`],
    '/api/follow-ups': ['/api/follow-ups'],
    '/api/customers/:id/timeline': [`/api/customers/${C}/timeline`],
    '/api/audit/settings': 'configuration history (settings.manage)',
    '/api/audit': [`/api/audit?entity=customer&id=${C}`, `/api/audit?entity=contact&id=${contactId}`],
    '/api/search': ['/api/search?q=南风', '/api/search?q=5678', '/api/search?q=13912345678', '/api/search?q=李雷'],
    '/api/rules': 'rule settings',
    '/api/rules/alerts': 'alerts name customers (admins)',
    '/api/rules/:kind/preview': 'counts',
    '/api/contracts': ['/api/contracts'],
    '/api/contracts/:id': 'contracts carry no contact details (list read above)',
    '/api/contracts/:id/payments': 'amounts',
    '/api/customers/:id/transactions': [`/api/customers/${C}/transactions`],
    '/api/approvals/delegation': 'the caller’s delegation',
    '/api/approvals': ['/api/approvals'],
    '/api/approvals/:id': 'approvals carry no contact details (list read above)',
    '/api/contracts/:id/approvals': 'approval steps',
    '/api/approval-flow': 'settings',
    '/api/stage-sets': 'settings',
    '/api/opportunities/board': ['/api/opportunities/board'],
    '/api/opportunities': ['/api/opportunities'],
    '/api/opportunities/:id': 'opportunities carry no contact details (list read above)',
    '/api/targets/progress': 'amounts',
    '/api/tickets/assignees': 'colleagues',
    '/api/tickets': ['/api/tickets'],
    '/api/tickets/:id': 'tickets name the contact, never their phone (list read above)',
    '/api/tag-groups': 'settings',
    '/api/customers/:id/tags': [`/api/customers/${C}/tags`],
    '/api/segments': ['/api/segments'],
    '/api/segments/:id': 'a segment’s definition and count',
    '/api/track/snippet.js': 'a script',
    '/api/tracking-sites': 'settings',
    '/api/customers/:id/behaviour': [`/api/customers/${C}/behaviour`],
    '/api/leads': ['/api/leads'],
    '/api/lead-rules': 'settings',
    '/api/lead-forms': 'settings',
    '/api/campaigns': ['/api/campaigns'],
    '/api/campaigns/:id': 'a campaign',
    '/api/campaigns/:id/participants': 'participants by customer name',
    '/api/campaigns/:id/results': 'counts',
    '/api/reports/rankings': 'aggregates',
    '/api/reports/trends': 'aggregates',
    '/api/reports/funnel': 'aggregates',
    '/api/reports/today': 'aggregates',
    '/api/reports/regional': 'aggregates',
    '/api/reports/clv': 'aggregates',
    '/api/reports/coverage': 'aggregates',
    '/api/reports/service': 'aggregates',
    '/api/reports/quality': 'aggregates',
    '/api/files/:id': 'file content',
    '/api/imports': ['/api/imports'],
    '/api/import-mappings': 'settings',
    '/api/imports/:id': 'an import’s counts',
    '/api/imports/:id/rows': 'import rows mask match reasons (tests/integration/imports.test.ts)',
    '/api/imports/:id/result.xlsx': 'the importer’s own file back',
    '/api/customers/:id/merges': [`/api/customers/${C}/merges`],
    '/api/merges/:id': 'a merge’s moves',
    '/api/duplicates': ['/api/duplicates'],
    '/api/duplicates/similar': ['/api/duplicates/similar?type=company&name=深圳南风科技'],
    '/api/dev/outbox': ['/api/dev/outbox'],
    '/api/platform-connections': 'platform settings',
    '/api/api-tokens': 'token names and grants',
    '/api/webhooks': 'subscriptions',
    '/api/webhooks/events': 'event names',
    // admins' integrations receive the records as the system holds them: a webhook is set up by
    // settings.manage for another system, and its log shows what was sent there
    '/api/webhooks/:id': 'a subscription',
    '/api/webhooks/:id/deliveries': 'what was sent to an admin’s integration (settings.manage)',
    '/api/{*rest}': 'not found',
  };
  return table[route] ?? 'UNCLASSIFIED';
}

function expectNoRaw(label: string, text: string) {
  for (const value of raw) expect(text, `${label} carries ${value}`).not.toContain(value);
}

describe('a role whose field rules mask contact details', () => {
  it('reads every GET route without a raw phone, email or address', async () => {
    const routes = [...new Set(t.app.apiRoutes().filter((r) => r.method === 'GET').map((r) => r.path))];
    const unclassified = routes.filter((r) => readsOf(r) === 'UNCLASSIFIED');
    expect(unclassified, 'GET routes this test does not know: classify them').toEqual([]);
    let read = 0;
    for (const route of routes) {
      const reads = readsOf(route);
      if (typeof reads === 'string') continue;
      for (const path of reads) {
        const response = await get('manager.south', path);
        expect(response.status, path).toBeLessThan(300);
        expectNoRaw(path, await response.text());
        read++;
      }
    }
    expect(read).toBeGreaterThanOrEqual(30);
  });

  it('reads every GET route of the open API without a raw value, through a token of theirs', async () => {
    const created = await t.request('/api/api-tokens', {
      method: 'POST',
      token: tokens.admin,
      json: { name: 'masked reader', ownerUserId: ids['manager.south'], permissions: Object.fromEntries(['customers', 'contacts', 'followUps', 'opportunities', 'contracts', 'orders', 'payments', 'tickets', 'tags', 'leads'].map((r) => [r, 'read'])) },
    });
    expect(created.status).toBe(201);
    const token = ((await created.json()) as Json).token as string;
    const C = customerId;
    const table: Record<string, string[]> = {
      '/customers': ['/api/v1/customers'],
      '/customers/:id': [`/api/v1/customers/${C}`],
      '/contacts': [`/api/v1/contacts?customerId=${C}`],
      '/contacts/:id': [`/api/v1/contacts/${contactId}`],
      '/follow-ups': [`/api/v1/follow-ups?customerId=${C}`],
      '/follow-ups/:id': [],
      '/opportunities': ['/api/v1/opportunities'],
      '/opportunities/:id': [],
      '/contracts': ['/api/v1/contracts'],
      '/contracts/:id': [],
      '/orders': [`/api/v1/orders?customerId=${C}`],
      '/payments': [], // by contract: amounts, no contact details
      '/tag-groups': ['/api/v1/tag-groups'],
      '/tickets': ['/api/v1/tickets'],
      '/tickets/:id': [],
      '/leads': ['/api/v1/leads'],
    };
    const routes = [...new Set(t.app.openApi.router.stack.filter((l) => l.methods.includes('GET')).map((l) => String(l.path).replace(/^\/api\/v1/, '')))].filter((p) => p !== '/openapi.json');
    expect(routes.filter((r) => !(r in table)), 'open API GET routes this test does not know').toEqual([]);
    for (const path of Object.values(table).flat()) {
      const response = await t.request(path, { token });
      expect(response.status, path).toBe(200);
      expectNoRaw(path, await response.text());
    }
    const customer = (await (await t.request(`/api/v1/customers/${C}`, { token })).json()) as Json;
    expect(customer.phones).toEqual(['139****5678', '0755-****1234']);
  });

  it('sees the masked forms where the records are (so the walk above read real data)', async () => {
    const customer = await (await get('manager.south', `/api/customers/${customerId}`)).json();
    expect(customer.phones).toEqual(['139****5678', '0755-****1234']);
    expect(customer.email).toBe('b***@nanfeng-tech.cn');
    expect(customer.address).toBe('深圳***');
    const contacts = (await (await get('manager.south', `/api/customers/${customerId}/contacts`)).json()).items;
    expect(contacts[0]).toMatchObject({ phones: ['137****4321'], email: 'l***@nanfeng-tech.cn' });
    const audit = (await (await get('manager.south', `/api/audit?entity=customer&id=${customerId}`)).json()).items;
    expect(audit.find((e: Json) => e.action === 'customer.update').changes).toContainEqual({ field: 'phones', before: ['135****1111', '0755-****1234'], after: masked.slice(0, 2) });
    const search = await (await get('manager.south', '/api/search?q=李雷')).json();
    expect(search.contacts[0].phones).toEqual(['137****4321']);
    // the owner reads the same records in full
    const own = await (await get('rep.south1', `/api/customers/${customerId}`)).json();
    expect(own.phones).toEqual(['13912345678', '0755-86001234']);
  });

  it('exports masked values', async () => {
    for (const resource of ['customers', 'contacts']) {
      const response = await t.request('/api/exports', { method: 'POST', token: tokens['manager.south'], json: { resource } });
      expect(response.status, resource).toBe(200);
      // the workbook is zipped: read it as text through exceljs would be slower; its shared strings are enough
      const { default: ExcelJS } = await import('exceljs');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await response.arrayBuffer()) as never);
      const cells: string[] = [];
      workbook.worksheets[0]!.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value))));
      expectNoRaw(`export ${resource}`, cells.join('|'));
      expect(cells.join('|')).toMatch(/\*\*\*\*/);
    }
  });

  it('gets bot replies and cards without raw values', async () => {
    const bot = (key: string, text: string) => t.app.services.dispatcher.dispatch({ type: 'bot.message', key, platform: 'dev', userId: ids['manager.south'], text });
    await bot('m-1', '查 南风');
    await bot('m-2', '查 13912345678');
    const outbox = await (await get('manager.south', '/api/dev/outbox')).text();
    expect(outbox).toContain('深圳南风科技有限公司');
    expectNoRaw('bot replies', outbox.replaceAll('查找“13912345678”', '')); // the query echoed back is the sender's own
  });
});

describe('the default rules', () => {
  it('show a rep the numbers of customers they own, and masks them for a collaborator', async () => {
    const owner = await (await get('rep.south1', `/api/customers/${customerId}`)).json();
    expect(owner.phones[0]).toBe('13912345678');
    const collaborator = await (await get('rep.south2', `/api/customers/${customerId}`)).json();
    expect(collaborator.phones).toEqual(['139****5678', '0755-****1234']);
    expect(collaborator.email).toBe('b***@nanfeng-tech.cn');
    const contacts = (await (await get('rep.south2', `/api/customers/${customerId}/contacts`)).json()).items;
    expect(contacts[0].phones).toEqual(['137****4321']);
    // managers see them in full
    expect((await (await get('manager.east', `/api/customers`)).json()).items.every((c: Json) => !c.phones.some((p: string) => p.includes('*')))).toBe(true);
  });

  it('hides a field altogether when the rule says so', async () => {
    await t.request('/api/roles/masked-manager', { method: 'PUT', token: tokens.admin, json: { fieldRules: { 'customer.phones': 'hidden', 'customer.email': 'masked', 'contact.phones': 'masked', 'contact.email': 'masked', 'customer.address': 'masked' } } });
    const customer = await (await get('manager.south', `/api/customers/${customerId}`)).json();
    expect(customer.phones).toEqual([]);
    const audit = (await (await get('manager.south', `/api/audit?entity=customer&id=${customerId}`)).json()).items;
    expect(audit.find((e: Json) => e.action === 'customer.update').changes).toContainEqual({ field: 'phones', before: [], after: [] });
  });
});
