import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import type { QualityService } from './quality.service.ts';

export function qualityRoutes(quality: QualityService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  // the data-quality report, under the caller's scope
  router.get('/reports/quality', requireAuth(), async (ctx) => {
    ctx.body = await quality.report(scopeOf(ctx.state));
  });
  // admins run the weekly cleaning now
  router.post('/quality/clean', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = await quality.clean();
  });
  return router;
}
