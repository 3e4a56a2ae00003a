// Authentication of /api/v1: only open-API tokens (`Authorization: Bearer kmt_…`), never a sign-in
// session (the H5 app's cookie or JWT), so a leaked browser session cannot drive integrations and
// a token cannot drive the app. Each token is rate limited on its own, across server processes.
import type { Middleware } from 'koa';
import { AppError, unauthenticated } from '../../core/errors.ts';
import type { RateLimiter } from '../../core/db/rate-limit.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { grants, type ApiAccess, type ApiResource } from '../api-tokens/api-token.input.ts';
import { tokenPrefix, type ApiTokenService } from '../api-tokens/api-token.service.ts';

export interface TokenAuthDeps {
  tokens: ApiTokenService;
  limiter: RateLimiter;
  perMinute: number;
}

export function tokenAuth(deps: TokenAuthDeps): Middleware<KemaiState> {
  return async (ctx, next) => {
    // whatever identify() found from a session does not count here
    ctx.state.auth = undefined;
    ctx.state.scope = undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.get('Authorization'))?.[1];
    if (!bearer) throw unauthenticated();
    if (!bearer.startsWith(tokenPrefix)) throw unauthenticated('error.apiToken.sessionNotAccepted');
    const resolved = await deps.tokens.resolve(bearer);
    if (!resolved) throw unauthenticated('error.apiToken.invalid');
    const tokenId = resolved.token._id.toHexString();
    if (!(await deps.limiter.allow(`api:${tokenId}`, deps.perMinute))) {
      const seconds = deps.limiter.secondsToNextMinute();
      throw new AppError('RATE_LIMITED', { messageKey: 'error.apiToken.rateLimited', params: { seconds }, retryAfterSeconds: seconds });
    }
    ctx.state.scope = resolved.scope;
    ctx.state.auth = { user: resolved.scope.user, sessionId: `token:${tokenId}` };
    ctx.state.apiToken = { id: tokenId, name: resolved.token.name, permissions: resolved.token.permissions };
    ctx.state.log = ctx.state.log.child({ userId: resolved.scope.user.id, apiTokenId: tokenId });
    await next();
  };
}

/** FORBIDDEN unless the request's token holds `access` on `resource` (the person's own rights still apply). */
export function requireGrant(resource: ApiResource, access: ApiAccess): Middleware<KemaiState> {
  return async (ctx, next) => {
    const token = ctx.state.apiToken;
    if (!token) throw unauthenticated();
    if (!grants(token.permissions, resource, access)) throw new AppError('FORBIDDEN', { messageKey: 'error.apiToken.forbidden', params: { access } });
    await next();
  };
}
