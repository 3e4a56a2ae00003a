// Demo users by login: ids and tokens for tests that act as several people.
import type { TestApp } from './test-app.ts';

export const demoLogins = [
  'admin', 'director', 'manager.east', 'manager.south', 'rep.east1', 'rep.east2', 'rep.east3',
  'rep.south1', 'rep.south2', 'rep.south3', 'service1',
] as const;
export type DemoLogin = (typeof demoLogins)[number];

export async function demoUserIds(t: TestApp): Promise<Record<DemoLogin, string>> {
  const body = (await (await t.request('/api/auth/dev-login')).json()) as { users: { login: DemoLogin; id: string }[] };
  return Object.fromEntries(body.users.map((u) => [u.login, u.id])) as Record<DemoLogin, string>;
}

export async function demoTokens(t: TestApp): Promise<Record<DemoLogin, string>> {
  const tokens = await Promise.all(demoLogins.map((login) => t.login(login)));
  return Object.fromEntries(demoLogins.map((login, i) => [login, tokens[i]])) as Record<DemoLogin, string>;
}
