import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { Clock } from '../../core/clock.ts';
import { clvQuery, funnelQuery, rankingQuery, regionalQuery, serviceQuery, trendQuery, type ReportService } from './report.service.ts';

export function reportRoutes(reports: ReportService, stats: StatsService, clock: Clock): Router<KemaiState> {
  const router = new Router<KemaiState>({ prefix: '/reports' });
  router.get('/rankings', requireAuth(), async (ctx) => {
    ctx.body = { items: await reports.rankings(scopeOf(ctx.state), parseInput(rankingQuery, ctx.query, ctx.state.locale)) };
  });
  router.get('/trends', requireAuth(), async (ctx) => {
    ctx.body = { items: await reports.trend(scopeOf(ctx.state), parseInput(trendQuery, ctx.query, ctx.state.locale)) };
  });
  router.get('/funnel', requireAuth(), async (ctx) => {
    ctx.body = await reports.funnel(scopeOf(ctx.state), parseInput(funnelQuery, ctx.query, ctx.state.locale));
  });
  router.get('/today', requireAuth(), async (ctx) => {
    ctx.body = await reports.today(scopeOf(ctx.state), clock.now());
  });
  router.get('/regional', requireAuth(), async (ctx) => {
    ctx.body = { items: await reports.regional(scopeOf(ctx.state), parseInput(regionalQuery, ctx.query, ctx.state.locale)) };
  });
  router.get('/clv', requireAuth(), async (ctx) => {
    ctx.body = await reports.clv(scopeOf(ctx.state), parseInput(clvQuery, ctx.query, ctx.state.locale));
  });
  router.get('/coverage', requireAuth(), async (ctx) => {
    ctx.body = { items: await reports.coverage(scopeOf(ctx.state), clock.now()) };
  });
  router.get('/service', requireAuth(), async (ctx) => {
    ctx.body = await reports.service(scopeOf(ctx.state), parseInput(serviceQuery, ctx.query, ctx.state.locale), clock.now());
  });
  /** Recomputes the rollups now (the nightly job does it too). */
  router.post('/rebuild', requireAuth(), async (ctx) => {
    ctx.body = await reports.rebuild(scopeOf(ctx.state), stats);
  });
  return router;
}
