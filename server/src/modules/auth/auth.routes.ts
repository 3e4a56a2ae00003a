// Sign-in, sign-out and the current user. Dev login exists only when config allows it; otherwise
// its paths answer 404 as if they did not exist.
import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf, sessionCookie } from '../../core/auth/authenticator.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { OrgService } from '../org/org.service.ts';
import type { AuthService } from './auth.service.ts';

export interface AuthRoutesDeps {
  auth: AuthService;
  org: OrgService;
  devLogin: boolean;
}

const devLoginBody = z.object({ login: z.string().trim().min(1).max(64) }).strict();

export function authRoutes(deps: AuthRoutesDeps): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/auth/dev-login', async (ctx) => {
    if (!deps.devLogin) throw notFound();
    ctx.body = { enabled: true, users: await deps.org.listActiveUsers() };
  });

  router.post('/auth/dev-login', async (ctx) => {
    if (!deps.devLogin) throw notFound();
    const { login } = parseInput(devLoginBody, ctx.request.body ?? {}, ctx.state.locale);
    const user = await deps.org.findActiveUserByLogin(login);
    if (!user) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.devLogin.unknownUser' });
    const session = await deps.auth.openSession(user, 'dev-login', ctx.get('User-Agent'));
    ctx.cookies.set(sessionCookie, session.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      expires: session.expiresAt,
      overwrite: true,
    });
    ctx.body = { token: session.token, expiresAt: session.expiresAt, user: await deps.org.toPublicUser(user) };
  });

  router.post('/auth/logout', async (ctx) => {
    if (ctx.state.auth) await deps.auth.revokeSession(ctx.state.auth.sessionId);
    ctx.cookies.set(sessionCookie, null, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, overwrite: true });
    ctx.status = 204;
  });

  router.get('/me', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    const user = await deps.org.findUserById(scope.user.id);
    if (!user) throw notFound();
    ctx.body = { ...(await deps.org.toPublicUser(user)), permissions: [...scope.permissions].sort(), dataScope: scope.dataScope };
  });

  return router;
}
