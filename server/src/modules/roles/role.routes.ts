import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createRoleBody, updateRoleBody } from './role.input.ts';
import type { RoleService } from './role.service.ts';

/** The roles and permissions matrix, for admins (settings.manage). */
export function roleRoutes(roles: RoleService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/roles', requireAuth(), async (ctx) => {
    ctx.body = await roles.list(scopeOf(ctx.state));
  });
  router.post('/roles', requireAuth(), async (ctx) => {
    const input = parseInput(createRoleBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await roles.create(scopeOf(ctx.state), input, requestMeta(ctx).client);
  });
  router.put('/roles/:key', requireAuth(), async (ctx) => {
    const input = parseInput(updateRoleBody, ctx.request.body, ctx.state.locale);
    ctx.body = await roles.update(scopeOf(ctx.state), ctx.params.key!, input, requestMeta(ctx).client);
  });
  router.delete('/roles/:key', requireAuth(), async (ctx) => {
    await roles.remove(scopeOf(ctx.state), ctx.params.key!, requestMeta(ctx).client);
    ctx.status = 204;
  });
  router.get('/roles/:key/history', requireAuth(), async (ctx) => {
    ctx.body = await roles.history(scopeOf(ctx.state), ctx.params.key!);
  });
  return router;
}
