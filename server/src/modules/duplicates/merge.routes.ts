import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { mergeChoiceFields } from '../customers/customer-merge.ts';
import type { MergeService } from './merge.service.ts';

const mergeBody = z
  .object({
    mergedId: z.string().regex(/^[0-9a-f]{24}$/i),
    choices: z.partialRecord(z.enum(mergeChoiceFields), z.enum(['survivor', 'merged'])).default({}),
  })
  .strict();

export function mergeRoutes(merges: MergeService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  // the customer in the path survives; the other one is merged into it
  router.post('/customers/:id/merge', requireAuth(), async (ctx) => {
    const body = parseInput(mergeBody, ctx.request.body, ctx.state.locale);
    ctx.body = await merges.merge(scopeOf(ctx.state), ctx.params.id!, body.mergedId, body.choices, requestMeta(ctx).client);
  });
  router.get('/customers/:id/merges', requireAuth(), async (ctx) => {
    ctx.body = await merges.ofCustomer(scopeOf(ctx.state), ctx.params.id!);
  });
  router.get('/merges/:id', requireAuth(), async (ctx) => {
    ctx.body = await merges.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.post('/merges/:id/undo', requireAuth(), async (ctx) => {
    ctx.body = await merges.undo(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx).client);
  });
  return router;
}
