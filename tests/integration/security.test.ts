// Edge security (K13): no body may carry a query operator into any route, cookie sessions refuse
// cross-site writes, sign-ins are rate limited per address. Routes come from the router, so a new
// route is covered without editing this file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { operatorKey } from '../../server/src/core/http/input-guard.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

type Json = Record<string, any>;

const clock = new ManualClock('2026-11-24T02:00:00Z');
let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '10000', LOGIN_RATE_PER_MINUTE: '5' } });
  admin = await t.login('admin');
});
afterAll(() => t.close());

const someId = '64b7f0c2a1b2c3d4e5f60718';
const concrete = (path: string) => path.replace(/:[a-zA-Z]+/g, (param) => (param === ':type' ? 'industry' : param === ':section' ? 'pool' : param === ':key' ? 'rep' : param === ':kind' ? 'staleLead' : param === ':platform' ? 'wecom' : someId));

describe('operator injection', () => {
  it('finds operator keys at any depth', () => {
    expect(operatorKey({ a: 1, b: [{ c: { $gt: '' } }] })).toBe('b.0.c.$gt');
    expect(operatorKey({ name: '$ is fine in a value', 'a.b': 1 })).toBeNull();
  });

  it('refuses a $-key body on every state-changing route with VALIDATION, before any route runs', async () => {
    // DELETE bodies are never parsed, so they cannot carry anything
    const routes = t.app.apiRoutes().filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.path.includes('*'));
    expect(routes.length).toBeGreaterThan(60);
    const bodies = [{ $where: 'sleep(1000)' }, { name: { $gt: '' } }, { filter: { ownerId: { $ne: null } } }, { items: [{ data: { $set: { ownerId: null } } }] }];
    for (const route of routes) {
      for (const json of bodies) {
        const response = await t.request(concrete(route.path), { method: route.method, token: admin, json });
        const body = (await response.json()) as Json;
        expect(`${route.method} ${route.path} → ${response.status} ${body.error?.code}`).toBe(`${route.method} ${route.path} → 400 VALIDATION`);
        expect(String(body.error.details?.[0]?.path), `${route.method} ${route.path}`).toMatch(/\$/);
      }
    }
    // the open API too
    const token = ((await (await t.request('/api/api-tokens', { method: 'POST', token: admin, json: { name: 'inject', integrationRole: 'admin', permissions: { customers: 'write' } } })).json()) as Json).token as string;
    const v1 = await t.request('/api/v1/customers/bulk', { method: 'POST', token, json: { items: [{ system: 'erp', externalId: '1', data: { name: { $gt: '' } } }] } });
    expect(v1.status).toBe(400);
  });

  it('refuses operators smuggled through the query string', async () => {
    for (const path of ['/api/customers?keyword[$ne]=x', '/api/search?q[$gt]=', '/api/customers?owner[$ne]=x', '/api/audit?entity=customer&id[$ne]=1']) {
      const response = await t.request(path, { token: admin });
      expect(response.status, path).toBe(400);
    }
  });
});

describe('cross-site writes with the session cookie', () => {
  let cookie: string;
  beforeAll(async () => {
    clock.advance(60_000); // a fresh sign-in minute
    const response = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'rep.east1' } });
    cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/kemai_session=/);
  });
  const create = (headers: Record<string, string>) =>
    t.request('/api/customers', { method: 'POST', headers: { Cookie: cookie, ...headers }, json: { type: 'company', name: `跨站${Math.random().toString(36).slice(2, 8)}科技有限公司`, industry: '互联网', source: '官网' } });

  it('refuses a cookie write from another origin or from nowhere', async () => {
    const foreign = await create({ Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as Json).error.message).toMatch(/来源/);
    expect((await create({})).status).toBe(403);
    expect((await create({ Referer: 'https://evil.example/page' })).status).toBe(403);
  });

  it('accepts the app’s own origin, and bearer tokens without one', async () => {
    expect((await create({ Origin: t.baseUrl })).status).toBe(201);
    expect((await create({ Referer: `${t.baseUrl}/#/customers` })).status).toBe(201);
    const token = await t.login('rep.east1');
    const bearer = await t.request('/api/customers', { method: 'POST', token, json: { type: 'company', name: '持令牌科技有限公司', industry: '互联网', source: '官网' } });
    expect(bearer.status).toBe(201);
    // reads are not writes
    expect((await t.request('/api/customers', { headers: { Cookie: cookie, Origin: 'https://evil.example' } })).status).toBe(200);
  });
});

describe('sign-in rate limit', () => {
  it('answers 429 with Retry-After past the limit per address, and lets the next minute in', async () => {
    clock.advance(60_000);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const response = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: i % 2 ? 'admin' : 'nobody' } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('Retry-After');
    }
    expect(statuses.slice(0, 5).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // the picker is not a sign-in
    expect((await t.request('/api/auth/dev-login')).status).toBe(200);
    clock.advance(60_000);
    expect((await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'admin' } })).status).toBe(200);
  });
});
