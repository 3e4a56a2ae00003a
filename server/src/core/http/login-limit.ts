// Sign-in attempts per client address and minute, counted in the database so the limit holds across
// server processes: guessing dev logins or replaying platform codes gets 429 with Retry-After.
import type { Middleware } from 'koa';
import type { RateLimiter } from '../db/rate-limit.ts';
import { AppError } from '../errors.ts';
import type { KemaiState } from './context.ts';

/** Every way to open a session. */
export const signInPaths = new Set(['/api/auth/dev-login', '/api/platform/dingtalk/login', '/api/platform/wecom/login', '/api/platform/wecom/oauth-callback']);

export function limitSignIns(deps: { limiter: RateLimiter; perMinute: number }): Middleware<KemaiState> {
  return async (ctx, next) => {
    // the dev-login picker's GET lists users and opens nothing
    const opensSession = signInPaths.has(ctx.path) && !(ctx.path === '/api/auth/dev-login' && ctx.method === 'GET');
    if (opensSession && !(await deps.limiter.allow(`signin:${ctx.ip}`, deps.perMinute))) {
      throw new AppError('RATE_LIMITED', { retryAfterSeconds: deps.limiter.secondsToNextMinute() });
    }
    await next();
  };
}
