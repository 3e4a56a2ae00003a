import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import type { OrgSyncService } from './org-sync.service.ts';
import type { OrgService } from './org.service.ts';

export function orgRoutes(org: OrgService, sync: OrgSyncService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  /** people the caller may assign or transfer customers to (pickers in the app) */
  router.get('/users', requireAuth(), async (ctx) => {
    ctx.body = { items: await org.assignableUsers(scopeOf(ctx.state)) };
  });
  /** admins sync the organisation from WeCom or DingTalk now, instead of waiting for the night */
  router.post('/org/sync', requireAuth(), async (ctx) => {
    ctx.body = await sync.sync(scopeOf(ctx.state));
  });
  return router;
}
