// Authentication middleware: a session token from `Authorization: Bearer …` or the H5 app's cookie,
// resolved by the auth module into the user and their request scope.
import type { Middleware } from 'koa';
import { unauthenticated } from '../errors.ts';
import type { KemaiState } from '../http/context.ts';
import type { RequestScope, ScopeUser } from './scope.ts';

export const sessionCookie = 'kemai_session';

export interface AuthContext {
  user: ScopeUser;
  sessionId: string;
}

export interface Authenticator {
  /** null when the token is missing, forged, expired, revoked, or its user is inactive */
  authenticate(token: string): Promise<{ auth: AuthContext; scope: RequestScope } | null>;
}

export function tokenFrom(authorization: string | undefined, cookie: string | undefined): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  return bearer ?? cookie ?? null;
}

/** Puts auth and scope on ctx.state when the request carries a valid session; never rejects. */
export function identify(authenticator: Authenticator): Middleware<KemaiState> {
  return async (ctx, next) => {
    const token = tokenFrom(ctx.get('Authorization') || undefined, ctx.cookies.get(sessionCookie));
    if (token) {
      const resolved = await authenticator.authenticate(token);
      if (resolved) {
        ctx.state.auth = resolved.auth;
        ctx.state.scope = resolved.scope;
        ctx.state.log = ctx.state.log.child({ userId: resolved.auth.user.id });
      }
    }
    await next();
  };
}

/** Rejects the request with UNAUTHENTICATED unless identify() found a session. */
export function requireAuth(): Middleware<KemaiState> {
  return async (ctx, next) => {
    if (!ctx.state.auth || !ctx.state.scope) throw unauthenticated();
    await next();
  };
}

/** The scope of an authenticated request (routes behind requireAuth). */
export function scopeOf(state: KemaiState): RequestScope {
  if (!state.scope) throw unauthenticated();
  return state.scope;
}
