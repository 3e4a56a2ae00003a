// GET /metrics for Prometheus, outside /api like /healthz. Off unless METRICS_TOKEN is set (then
// 404, as if there were no such page: the numbers describe the business); with it, the scraper
// sends `Authorization: Bearer <token>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Registry } from 'prom-client';
import { AppError } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';

/** Equal-length digests, so neither the length nor the first differing byte shows in the timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function metricsRoutes(deps: { registry: Registry; token: string | undefined }): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/metrics', async (ctx) => {
    if (!deps.token) throw new AppError('NOT_FOUND', { messageKey: 'error.route.notFound' });
    const header = ctx.get('Authorization');
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!sameToken(given, deps.token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new AppError('UNAUTHENTICATED');
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = deps.registry.contentType;
    ctx.body = await deps.registry.metrics();
  });
  return router;
}
