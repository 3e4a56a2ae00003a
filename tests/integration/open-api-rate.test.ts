// The open API's per-token rate limit (API_RATE_PER_MINUTE), answered 429 with Retry-After.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { demoUserIds } from '../helpers/users.ts';

const clock = new ManualClock('2026-06-01T02:00:10Z');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { API_RATE_PER_MINUTE: '3', SESSION_TTL_HOURS: '10000' } });
});
afterAll(() => t.close());

it('limits each token per minute, and the next minute lets it in again', async () => {
  const admin = await t.login('admin');
  const users = await demoUserIds(t);
  const make = async (name: string) =>
    ((await (await t.request('/api/api-tokens', { method: 'POST', token: admin, json: { name, ownerUserId: users['rep.east1'], permissions: { customers: 'read' } } })).json()) as { token: string }).token;
  const [one, two] = [await make('one'), await make('two')];
  const get = (token: string) => t.request('/api/v1/customers?limit=1', { token });
  for (let i = 0; i < 3; i++) expect((await get(one)).status).toBe(200);
  const limited = await get(one);
  expect(limited.status).toBe(429);
  expect(limited.headers.get('Retry-After')).toBe('50');
  expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
  expect((await get(two)).status).toBe(200); // each token has its own budget
  clock.advance(60_000);
  expect((await get(one)).status).toBe(200);
});
