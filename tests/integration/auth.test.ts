import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/src/core/clock.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const clock = new ManualClock('2026-03-02T01:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock, env: { SESSION_TTL_HOURS: '24' } });
});
afterAll(() => t.close());

describe('dev login and the current user', () => {
  it('signs in a demo user and answers /api/me with role and department', async () => {
    const response = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'manager.east' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { token: string; user: { name: string; role: string } };
    expect(body.user).toMatchObject({ name: '张伟', role: 'manager', login: 'manager.east' });
    expect(response.headers.get('set-cookie')).toMatch(/kemai_session=.+; .*httponly/i);
    expect(response.headers.get('set-cookie')).toMatch(/samesite=lax/i);

    const me = await t.request('/api/me', { token: body.token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      name: '张伟',
      role: 'manager',
      isManager: true,
      department: { name: '华东大区', path: ['总部', '销售中心', '华东大区'] },
      permissions: expect.arrayContaining(['customer.view', 'contract.approve']),
    });
  });

  it('accepts the session cookie the H5 app carries', async () => {
    const response = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'rep.east1' } });
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const me = await t.request('/api/me', { headers: { Cookie: cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ name: '李娜', role: 'rep' });
  });

  it('opens a new session at every sign-in, whatever session cookie the browser brought (no fixation)', async () => {
    // a cookie planted before sign-in (here another person's live session) is never taken over
    const planted = (await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'rep.east2' } })).headers.get('set-cookie')!.split(';')[0]!;
    const signIn = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'rep.east1' }, headers: { Cookie: planted, Origin: t.baseUrl } });
    expect(signIn.status).toBe(200);
    const issued = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(issued).not.toBe(planted);
    expect(await (await t.request('/api/me', { headers: { Cookie: issued } })).json()).toMatchObject({ name: '李娜' });
    expect(await (await t.request('/api/me', { headers: { Cookie: planted } })).json()).toMatchObject({ name: '王芳' });
    // and a made-up session value is no session at all
    expect((await t.request('/api/me', { headers: { Cookie: 'kemai_session=attacker-chosen-value' } })).status).toBe(401);
  });

  it('lists the demo users for the dev login picker', async () => {
    const response = await t.request('/api/auth/dev-login');
    const body = (await response.json()) as { enabled: boolean; users: { login: string }[] };
    expect(body.enabled).toBe(true);
    expect(body.users.map((u) => u.login).sort()).toEqual(
      ['admin', 'director', 'manager.east', 'manager.south', 'rep.east1', 'rep.east2', 'rep.east3', 'rep.south1', 'rep.south2', 'rep.south3', 'service1'].sort(),
    );
  });

  it('refuses unknown or inactive logins and malformed bodies', async () => {
    const unknown = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'nobody' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: '用户不存在或已停用' } });

    await t.inspect.users.updateOne({ login: 'rep.south3' }, { $set: { active: false } });
    const inactive = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'rep.south3' } });
    expect(inactive.status).toBe(401);
    await t.inspect.users.updateOne({ login: 'rep.south3' }, { $set: { active: true } });

    const malformed = await t.request('/api/auth/dev-login', {
      method: 'POST',
      json: { login: { $gt: '' } },
      headers: { 'Accept-Language': 'en-US,en;q=0.9' },
    });
    expect(malformed.status).toBe(400);
    const body = (await malformed.json()) as { error: { code: string; message: string; details: { path: string }[] } };
    expect(body.error.code).toBe('VALIDATION');
    // refused at the edge, before the route: an operator is never a login
    expect(body.error.message).toMatch(/may not start with \$/);
    expect(body.error.details[0]!.path).toBe('login.$gt');
  });

  it('rejects a missing, forged or expired token with UNAUTHENTICATED', async () => {
    expect((await t.request('/api/me')).status).toBe(401);
    const token = await t.login('rep.east2');
    const [header, payload] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: '000000000000000000000000' }),
    ).toString('base64url');
    expect((await t.request('/api/me', { token: `${header}.${forgedPayload}.${token.split('.')[2]}` })).status).toBe(401);
    expect((await t.request('/api/me', { token: 'not-a-token' })).status).toBe(401);

    clock.advance(25 * 3_600_000);
    const expired = await t.request('/api/me', { token });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
  });

  it('ends the session on logout, though the token has not expired', async () => {
    const token = await t.login('rep.east3');
    expect((await t.request('/api/me', { token })).status).toBe(200);
    const logout = await t.request('/api/auth/logout', { method: 'POST', token });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/kemai_session=;/);
    expect((await t.request('/api/me', { token })).status).toBe(401);
  });

  it('ends every session of a user who is deactivated', async () => {
    const token = await t.login('rep.south1');
    await t.inspect.users.updateOne({ login: 'rep.south1' }, { $set: { active: false } });
    expect((await t.request('/api/me', { token })).status).toBe(401);
    await t.inspect.users.updateOne({ login: 'rep.south1' }, { $set: { active: true } });
  });

  it('purges sessions that expired more than a day ago', async () => {
    await t.login('rep.south2');
    clock.advance(3 * 24 * 3_600_000);
    const purged = await t.app.services.auth.purgeExpiredSessions();
    expect(purged).toBeGreaterThan(0);
    expect(await t.inspect.sessions.countDocuments({ expiresAt: { $lt: new Date(clock.now().getTime() - 86_400_000) } })).toBe(0);
  });
});

describe('dev login switched off', () => {
  it('answers 404 on both dev-login paths', async () => {
    const off = await startTestApp({ env: { DEV_LOGIN: 'false' } });
    try {
      expect((await off.request('/api/auth/dev-login', { method: 'POST', json: { login: 'admin' } })).status).toBe(404);
      expect((await off.request('/api/auth/dev-login')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
