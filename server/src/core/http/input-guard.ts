// Edge checks every request passes before a route sees it.
//
// Operator injection: a JSON body whose keys start with '$' ({"name": {"$gt": ""}}, {"$where": …})
// is refused whatever the route, so no body can smuggle a query operator into a filter or an
// update even where a schema would let an object through. Routes still validate their fields.
//
// Cross-site requests: a state-changing request that rides on the session cookie must come from
// the app's own origin. The cookie is SameSite=Lax already; this also covers old webviews that
// ignore SameSite. Requests with a bearer token (the H5 app sends one, the open API always does)
// cannot be forged by another site and are not checked.
import type { Middleware } from 'koa';
import { sessionCookie } from '../auth/authenticator.ts';
import { AppError } from '../errors.ts';
import { registerMessages } from '../i18n.ts';
import type { KemaiState } from './context.ts';

registerMessages({
  'zh-CN': { 'error.input.operator': '请求中含有不允许的字段名（不能以 $ 开头）', 'error.csrf': '请求来源不明，已拒绝；请从客脉应用内操作' },
  en: { 'error.input.operator': 'The request holds a field name that is not allowed (names may not start with $)', 'error.csrf': 'The request came from another site and was refused; act from within Kemai' },
});

const maxDepth = 20;

/** The path of the first key that starts with '$', or null. */
export function operatorKey(value: unknown, path: string[] = [], depth = 0): string | null {
  if (depth > maxDepth || value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key.startsWith('$')) return [...path, key].join('.');
    const found = operatorKey(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

export function refuseOperators(): Middleware<KemaiState> {
  return async (ctx, next) => {
    const found = operatorKey((ctx.request as { body?: unknown }).body);
    if (found) throw new AppError('VALIDATION', { messageKey: 'error.input.operator', details: [{ path: found, message: 'keys may not start with $' }] });
    await next();
  };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sameOriginForCookies(publicUrl: string | undefined): Middleware<KemaiState> {
  const allowed = new Set<string>(publicUrl ? [new URL(publicUrl).origin] : []);
  return async (ctx, next) => {
    if (!safeMethods.has(ctx.method) && !ctx.get('Authorization') && ctx.cookies.get(sessionCookie)) {
      const origin = ctx.get('Origin') || originOf(ctx.get('Referer'));
      // the server's own origin from Host (X-Forwarded-Host behind a trusted proxy); not ctx.origin,
      // which Koa 3 takes from the request's Origin header
      const own = `${ctx.protocol}://${ctx.host}`;
      if (!origin || (origin !== own && !allowed.has(origin))) throw new AppError('FORBIDDEN', { messageKey: 'error.csrf' });
    }
    await next();
  };
}

function originOf(referer: string): string {
  try {
    return referer ? new URL(referer).origin : '';
  } catch {
    return '';
  }
}
