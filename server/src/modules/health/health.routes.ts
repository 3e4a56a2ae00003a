// Liveness (/healthz: the process answers) and readiness (/readyz: the database answers and the
// process is not shutting down). Load balancers route by /readyz.
import Router from '@koa/router';
import type { KemaiState } from '../../core/http/context.ts';

export type ReadinessCheck = () => Promise<boolean>;

export interface HealthDeps {
  checks: Record<string, ReadinessCheck>;
  isShuttingDown: () => boolean;
}

export function healthRoutes(deps: HealthDeps): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const names = Object.keys(deps.checks);
    const results = await Promise.all(names.map((name) => deps.checks[name]!().catch(() => false)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i] ? 'up' : 'down']));
    const ready = !deps.isShuttingDown() && results.every(Boolean);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : deps.isShuttingDown() ? 'shutting-down' : 'unavailable', checks };
  });

  return router;
}
