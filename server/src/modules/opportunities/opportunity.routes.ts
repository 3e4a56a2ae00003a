import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createOpportunityBody, moveStageBody, updateOpportunityBody, type OpportunityService } from './opportunity.service.ts';
import { stageSetBody } from './stage-set.model.ts';
import './messages.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);

export function opportunityRoutes(opportunities: OpportunityService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/stage-sets', requireAuth(), async (ctx) => {
    ctx.body = { items: (await opportunities.stageSets()).map((s) => ({ id: s._id, name: s.name, stages: s.stages })) };
  });
  router.put('/stage-sets/:id', requireAuth(), async (ctx) => {
    const input = parseInput(stageSetBody, ctx.request.body, ctx.state.locale);
    const saved = await opportunities.saveStageSet(scopeOf(ctx.state), ctx.params.id!, input);
    ctx.body = { id: saved._id, name: saved.name, stages: saved.stages };
  });
  // before /opportunities/:id
  router.get('/opportunities/board', requireAuth(), async (ctx) => {
    const query = parseInput(z.object({ stageSetId: z.string().max(32).default('new') }).strict(), ctx.query, ctx.state.locale);
    ctx.body = await opportunities.board(scopeOf(ctx.state), query.stageSetId);
  });
  router.get('/opportunities', requireAuth(), async (ctx) => {
    const query = parseInput(
      z
        .object({
          status: z.enum(['open', 'won', 'lost']).optional(),
          stageSetId: z.string().max(32).optional(),
          stage: z.string().max(32).optional(),
          customerId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
          mine: z.enum(['1', 'true']).optional(),
          limit,
          cursor: z.string().max(200).optional(),
        })
        .strict(),
      ctx.query,
      ctx.state.locale,
    );
    ctx.body = await opportunities.list(scopeOf(ctx.state), {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.stageSetId ? { stageSetId: query.stageSetId } : {}),
      ...(query.stage ? { stage: query.stage } : {}),
      ...(query.customerId ? { customerId: query.customerId } : {}),
      ...(query.mine ? { mine: true } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });
  router.post('/opportunities', requireAuth(), async (ctx) => {
    const input = parseInput(createOpportunityBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await opportunities.create(scopeOf(ctx.state), input, requestMeta(ctx));
  });
  router.get('/opportunities/:id', requireAuth(), async (ctx) => {
    ctx.body = await opportunities.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.patch('/opportunities/:id', requireAuth(), async (ctx) => {
    const input = parseInput(updateOpportunityBody, ctx.request.body, ctx.state.locale);
    ctx.body = await opportunities.update(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.post('/opportunities/:id/stage', requireAuth(), async (ctx) => {
    const input = parseInput(moveStageBody, ctx.request.body, ctx.state.locale);
    ctx.body = await opportunities.moveStage(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  return router;
}
