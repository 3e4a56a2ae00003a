// Authorisation over every route (K13), read from the router so a new route is covered the day it
// is added: nothing but the few public routes answers without a session; every GET route, for
// every demo login, answers without error and never shows a record outside the login's scope (a
// canary customer of the south team, with its contact, follow-up, opportunity and contract);
// admin-only routes refuse everyone else.
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoLogins, demoTokens, type DemoLogin } from '../helpers/users.ts';

type Json = Record<string, any>;

const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let tokens: Record<DemoLogin, string>;
const canary: Record<string, string> = {};
const marker = '南方金丝雀';

/** who may see the south team's records: the owner, their manager, the director, the admin */
const seesSouth = new Set<DemoLogin>(['rep.south1', 'manager.south', 'director', 'admin']);

/** routes anyone may call without signing in */
const publicRoutes = new Set(['GET /api/auth/dev-login', 'POST /api/auth/dev-login', 'POST /api/auth/logout', 'GET /api/regions', 'GET /api/track/snippet.js', 'POST /api/track']);

/** GET routes only admins (settings.manage) may read */
const adminOnly = ['/api/roles', '/api/roles/:key/history', '/api/org/users', '/api/org/departments', '/api/api-tokens', '/api/webhooks', '/api/webhooks/events', '/api/webhooks/:id', '/api/webhooks/:id/deliveries', '/api/platform-connections', '/api/audit/settings', '/api/approval-flow', '/api/lead-rules'];

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000' } });
  tokens = await demoTokens(t);
  const as = async (path: string, json: unknown) => {
    const response = await t.request(path, { method: 'POST', token: tokens['rep.south1'], json });
    const body = (await response.json()) as Json;
    expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(201);
    return body.id as string;
  };
  canary.customer = await as('/api/customers', { type: 'company', name: `${marker}科技有限公司`, industry: '互联网', source: '官网', phones: ['13712340000'] });
  canary.contact = await as(`/api/customers/${canary.customer}/contacts`, { name: '金丝雀联系人', phones: ['13712340001'] });
  canary.followUp = await as(`/api/customers/${canary.customer}/follow-ups`, { method: 'call', content: `${marker}跟进` });
  canary.opportunity = await as('/api/opportunities', { customerId: canary.customer, title: `${marker}商机`, amount: 1000 });
  canary.contract = await as('/api/contracts', { customerId: canary.customer, title: `${marker}合同`, amount: 1000 });
});
afterAll(() => t.close());

/** a path with every parameter filled: the canary's ids where a record is named, sensible values elsewhere */
function concrete(path: string): string {
  const named: Record<string, string> = { ':type': 'industry', ':section': 'pool', ':key': 'rep', ':kind': 'staleLead', ':platform': 'wecom' };
  const idFor = path.startsWith('/api/contracts') ? canary.contract : path.startsWith('/api/opportunities') ? canary.opportunity : path.startsWith('/api/contacts') ? canary.contact : canary.customer;
  return path.replace(/:[a-zA-Z]+/g, (param) => named[param] ?? idFor!);
}

/**
 * Duplicate control names the existing customer and its owner to whoever is about to create it
 * again (K2): the name may show there, never its id or contact details.
 */
const namesDuplicates = new Set(['/api/customers/check-duplicate', '/api/duplicates/similar']);

/** query strings some GET routes need to say anything at all */
const queries: Record<string, string[]> = {
  '/api/customers': ['', `?keyword=${encodeURIComponent(marker)}`],
  '/api/search': [`?q=${encodeURIComponent(marker)}`, '?q=0000'],
  '/api/audit': [`?entity=customer&id=${'{customer}'}`, `?entity=contact&id=${'{contact}'}`],
  '/api/customers/check-duplicate': [`?type=company&name=${encodeURIComponent(`${marker}科技有限公司`)}`],
  '/api/duplicates/similar': [`?type=company&name=${encodeURIComponent(`${marker}科技`)}`],
  '/api/follow-ups': ['', `?customerId={customer}`],
};

describe('authentication', () => {
  it('answers 401 on every route but the public ones when no one is signed in', async () => {
    const routes = t.app.apiRoutes().filter((r) => !r.path.includes('*'));
    expect(routes.length).toBeGreaterThan(150);
    const open: string[] = [];
    for (const route of routes) {
      const response = await t.request(concrete(route.path), { method: route.method, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { json: {} }) });
      if (response.status !== 401 && !publicRoutes.has(`${route.method} ${route.path}`)) open.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(open).toEqual([]);
    // and the open API, whose every route needs a token
    for (const layer of t.app.openApi.router.stack) {
      for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
        const path = String(layer.path);
        if (path.endsWith('openapi.json')) continue;
        const response = await t.request(concrete(path), { method, ...(method === 'GET' ? {} : { json: {} }) });
        expect(response.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});

describe('every GET route for every login', () => {
  it('never answers with an error, and never shows the south canary outside its scope', async () => {
    const routes = [...new Set(t.app.apiRoutes().filter((r) => r.method === 'GET' && !r.path.includes('*')).map((r) => r.path))];
    const leaks: string[] = [];
    const failures: string[] = [];
    for (const login of demoLogins) {
      for (const route of routes) {
        for (const query of queries[route] ?? ['']) {
          const path = concrete(route) + query.replace('{customer}', canary.customer!).replace('{contact}', canary.contact!);
          const response = await t.request(path, { token: tokens[login] });
          if (response.status >= 500 || response.status === 401) failures.push(`${login} ${path} → ${response.status}`);
          const text = await response.text();
          const shows = (text.includes(marker) && !namesDuplicates.has(route)) || text.includes('13712340000') || Object.values(canary).some((id) => text.includes(id) && !path.includes(id));
          const showsNamed = Object.values(canary).some((id) => path.includes(id)) && response.status < 300 && route.includes(':');
          if (!seesSouth.has(login) && (shows || showsNamed)) leaks.push(`${login} ${path} → ${response.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(leaks).toEqual([]);
  });

  it('shows the canary to the people whose scope holds it (so the walk above can fail)', async () => {
    for (const login of seesSouth) {
      const response = await t.request(`/api/customers/${canary.customer}`, { token: tokens[login] });
      expect(response.status, login).toBe(200);
      expect(await response.text()).toContain(marker);
    }
  });

  it('keeps admin-only routes to admins', async () => {
    for (const login of demoLogins.filter((l) => l !== 'admin')) {
      for (const route of adminOnly) {
        const path = concrete(route) + (route === '/api/audit/settings' ? '?key=settings.pool' : '');
        const response = await t.request(path, { token: tokens[login] });
        expect(response.status, `${login} ${path}`).toBe(403);
      }
    }
    for (const route of adminOnly.filter((r) => !r.includes(':id'))) {
      const path = concrete(route) + (route === '/api/audit/settings' ? '?key=settings.pool' : '');
      expect((await t.request(path, { token: tokens.admin })).status, path).toBe(200);
    }
  });

  it('refuses every write route on the canary records to every login outside its scope, and changes nothing of it', async () => {
    const snapshot = async () => {
      const db = t.db.connection.db!;
      const ids = (id: string) => ({ _id: new Types.ObjectId(id) });
      return JSON.stringify(
        await Promise.all([
          db.collection('customers').findOne(ids(canary.customer!)),
          db.collection('contacts').findOne(ids(canary.contact!)),
          db.collection('followUps').findOne(ids(canary.followUp!)),
          db.collection('opportunities').findOne(ids(canary.opportunity!)),
          db.collection('contracts').findOne(ids(canary.contract!)),
        ]),
      );
    };
    const before = await snapshot();
    expect(before).toContain(marker);
    // every write naming a record: the canary's id goes where the record's does
    const writes = t.app.apiRoutes().filter((r) => r.method !== 'GET' && !r.path.includes('*') && /:(id|customerId)\b/.test(r.path) && !publicRoutes.has(`${r.method} ${r.path}`));
    expect(writes.length).toBeGreaterThan(40);
    const accepted: string[] = [];
    for (const login of demoLogins.filter((l) => !seesSouth.has(l))) {
      for (const route of writes) {
        const response = await t.request(concrete(route.path), { method: route.method, token: tokens[login], ...(route.method === 'DELETE' ? {} : { json: {} }) });
        if (response.status < 400 || response.status >= 500) accepted.push(`${login} ${route.method} ${route.path} → ${response.status}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses, for every login whose role lacks it, the write each permission guards — with a body that is otherwise valid', async () => {
    const permissionsOf = async (login: DemoLogin) => ((await (await t.request('/api/me', { token: tokens[login] })).json()) as Json).permissions as string[];
    let n = 0;
    // each write as the person it concerns would send it; the permission it needs
    const writes: { permission: string; call: (login: DemoLogin) => Promise<Response> }[] = [
      { permission: 'customer.create', call: (login) => t.request('/api/customers', { method: 'POST', token: tokens[login], json: { type: 'company', name: `权限矩阵${++n}号科技有限公司`, industry: '互联网', source: '官网' } }) },
      { permission: 'customer.export', call: (login) => t.request('/api/exports', { method: 'POST', token: tokens[login], json: { resource: 'customers' } }) },
      { permission: 'settings.manage', call: (login) => t.request('/api/roles/rep', { method: 'PUT', token: tokens[login], json: { dataScope: 'self' } }) },
      { permission: 'settings.manage', call: (login) => t.request('/api/settings/pool', { method: 'PUT', token: tokens[login], json: { dailyClaimLimit: 10, holdingLimit: 300, cooldownDays: 7 } }) },
      { permission: 'settings.manage', call: (login) => t.request('/api/api-tokens', { method: 'POST', token: tokens[login], json: { name: 'x', integrationRole: 'admin', permissions: { customers: 'read' } } }) },
      { permission: 'settings.manage', call: (login) => t.request('/api/webhooks', { method: 'POST', token: tokens[login], json: { url: 'https://93.184.216.34/hook', events: ['customer.created'] } }) },
    ];
    const refusedAs: string[] = [];
    for (const login of demoLogins) {
      const held = await permissionsOf(login);
      for (const write of writes) {
        const response = await write.call(login);
        if (!held.includes(write.permission) && response.status !== 403) refusedAs.push(`${login} without ${write.permission} → ${response.status}`);
        if (held.includes(write.permission) && response.status === 403) refusedAs.push(`${login} with ${write.permission} → 403`);
      }
    }
    expect(refusedAs).toEqual([]);
  });
});
