import Router from '@koa/router';
import type { KemaiState } from '../../core/http/context.ts';
import { regionTree } from './regions.ts';

/** GET /api/regions: the province → city → district tree (public data, cached by clients). */
export function regionRoutes(): Router<KemaiState> {
  const router = new Router<KemaiState>();
  let cached: string | null = null;
  router.get('/regions', (ctx) => {
    cached ??= JSON.stringify({ items: regionTree() });
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.type = 'application/json';
    ctx.body = cached;
  });
  return router;
}
