// DingTalk 免登: the H5 app asks the client for an auth code (dd.runtime.permission.requestAuthCode)
// and posts it here; the session cookie comes back.
import Router from '@koa/router';
import { z } from 'zod';
import { sessionCookie } from '../../core/auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { AuthService } from '../../modules/auth/auth.service.ts';
import type { OrgService } from '../../modules/org/org.service.ts';
import type { DingTalkPlatform } from './dingtalk-platform.ts';

export function dingtalkRoutes(deps: { platform: DingTalkPlatform; auth: AuthService; org: OrgService; corpId: string; clientId: string }): Router<KemaiState> {
  const router = new Router<KemaiState>({ prefix: '/platform/dingtalk' });

  /** what requestAuthCode needs in the client */
  router.get('/config', (ctx) => {
    ctx.body = { corpId: deps.corpId, clientId: deps.clientId };
  });

  router.post('/login', async (ctx) => {
    const { code } = parseInput(z.object({ code: z.string().min(1).max(512) }).strict(), ctx.request.body, ctx.state.locale);
    const dingtalkUserId = await deps.platform.identify(code);
    const user = await deps.org.findByPlatformAccount('dingtalk', dingtalkUserId);
    if (!user) throw new AppError('FORBIDDEN', { messageKey: 'error.platform.notMember' });
    // cards follow the user to the platform they use
    await deps.org.markPlatformUsed(user._id.toHexString(), 'dingtalk');
    const session = await deps.auth.openSession(user, 'dingtalk', ctx.get('User-Agent'));
    ctx.cookies.set(sessionCookie, session.token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: session.expiresAt, overwrite: true });
    ctx.body = { token: session.token, expiresAt: session.expiresAt, user: await deps.org.toPublicUser(user) };
  });

  return router;
}
