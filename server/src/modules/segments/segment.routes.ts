import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { segmentBody } from './segment.model.ts';
import type { SegmentService } from './segment.service.ts';

export function segmentRoutes(segments: SegmentService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/segments', requireAuth(), async (ctx) => {
    ctx.body = { items: await segments.list(scopeOf(ctx.state)) };
  });
  router.post('/segments', requireAuth(), async (ctx) => {
    const input = parseInput(segmentBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await segments.create(scopeOf(ctx.state), input);
  });
  router.get('/segments/:id', requireAuth(), async (ctx) => {
    ctx.body = await segments.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.put('/segments/:id', requireAuth(), async (ctx) => {
    const input = parseInput(segmentBody, ctx.request.body, ctx.state.locale);
    ctx.body = await segments.update(scopeOf(ctx.state), ctx.params.id!, input);
  });
  router.delete('/segments/:id', requireAuth(), async (ctx) => {
    await segments.remove(scopeOf(ctx.state), ctx.params.id!);
    ctx.status = 204;
  });
  return router;
}
