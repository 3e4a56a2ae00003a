// /api/api-tokens: admins manage the open API's tokens (settings.manage). Session-authenticated,
// like the rest of /api; the tokens themselves only work on /api/v1.
import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createApiTokenBody } from './api-token.input.ts';
import type { ApiTokenService } from './api-token.service.ts';

export function apiTokenRoutes(tokens: ApiTokenService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/api-tokens', requireAuth(), async (ctx) => {
    ctx.body = await tokens.list(scopeOf(ctx.state));
  });
  router.post('/api-tokens', requireAuth(), async (ctx) => {
    const input = parseInput(createApiTokenBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.set('Cache-Control', 'no-store'); // the only time the token is shown
    ctx.body = await tokens.create(scopeOf(ctx.state), input, requestMeta(ctx).client);
  });
  const revoke = async (ctx: Parameters<Parameters<typeof router.post>[1]>[0]) => {
    ctx.body = await tokens.revoke(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx).client);
  };
  router.post('/api-tokens/:id/revoke', requireAuth(), revoke);
  router.delete('/api-tokens/:id', requireAuth(), revoke);
  return router;
}
