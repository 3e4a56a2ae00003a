import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { dayBound } from '../../core/http/day-bound.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createFollowUpBody, type FollowUpService } from './follow-up.service.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);
/** A timestamp, or a calendar day taken in Asia/Shanghai (`to` days are inclusive). */
export function followUpRoutes(followUps: FollowUpService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.post('/customers/:id/follow-ups', requireAuth(), async (ctx) => {
    const input = parseInput(createFollowUpBody, ctx.request.body, ctx.state.locale);
    const result = await followUps.create(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx, input.clientKey));
    ctx.status = result.created ? 201 : 200;
    ctx.body = result.followUp;
  });
  router.get('/customers/:id/follow-ups', requireAuth(), async (ctx) => {
    const query = parseInput(z.object({ limit, cursor: z.string().max(200).optional() }).strict(), ctx.query, ctx.state.locale);
    ctx.body = await followUps.listForCustomer(scopeOf(ctx.state), ctx.params.id!, query.limit, query.cursor);
  });
  router.get('/follow-ups', requireAuth(), async (ctx) => {
    const query = parseInput(
      z
        .object({
          mine: z.enum(['1', 'true']).optional(),
          userId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
          from: dayBound(false).optional(),
          to: dayBound(true).optional(),
          limit,
          cursor: z.string().max(200).optional(),
        })
        .strict(),
      ctx.query,
      ctx.state.locale,
    );
    const scope = scopeOf(ctx.state);
    ctx.body = await followUps.listByUser(scope, {
      ...(query.mine ? {} : query.userId ? { userId: query.userId } : {}),
      ...(query.from ? { from: query.from } : {}),
      ...(query.to ? { to: query.to } : {}),
      limit: query.limit,
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });
  return router;
}
