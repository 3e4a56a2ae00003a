// Request id (accepted from a trusted proxy's X-Request-Id when well-formed), the caller's locale,
// a child logger carrying the id, and one access-log line per request (path only: query strings
// may carry phone numbers or names).
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { localeFromHeader } from '../i18n.ts';
import type { Logger } from '../logger.ts';
import type { KemaiState } from './context.ts';

const wellFormedId = /^[A-Za-z0-9._-]{8,64}$/;

export function requestContext(logger: Logger): Middleware<KemaiState> {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = wellFormedId.test(incoming) ? incoming : randomUUID();
    const started = performance.now();
    ctx.state.requestId = requestId;
    ctx.state.locale = localeFromHeader(ctx.get('Accept-Language'));
    ctx.state.log = logger.child({ reqId: requestId });
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const line = {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        userId: ctx.state.auth?.user.id,
      };
      if (ctx.status >= 500) ctx.state.log.error(line, 'request');
      else ctx.state.log.info(line, 'request');
    }
  };
}
