import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { DuplicateService } from './duplicate.service.ts';

const queueQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(100).optional(),
});

const similarQuery = z
  .object({
    type: z.enum(['company', 'person']).default('company'),
    name: z.string().trim().min(1).max(100),
    phone: z.string().trim().max(40).optional(),
    email: z.string().trim().max(254).optional(),
    address: z.string().trim().max(200).optional(),
    contact: z.string().trim().max(50).optional(),
  })
  .strict();

export function duplicateRoutes(duplicates: DuplicateService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  // the managers' review queue: pairs of customers that look like one, with why
  router.get('/duplicates', requireAuth(), async (ctx) => {
    const query = parseInput(queueQuery, ctx.query, ctx.state.locale);
    ctx.body = await duplicates.queue(scopeOf(ctx.state), query, ctx.state.locale);
  });
  // the create form's hints: customers the one being typed may be, beyond the exact name and mobile
  router.get('/duplicates/similar', requireAuth(), async (ctx) => {
    const query = parseInput(similarQuery, ctx.query, ctx.state.locale);
    ctx.body = await duplicates.similar(scopeOf(ctx.state), query, ctx.state.locale);
  });
  router.post('/duplicates/:id/dismiss', requireAuth(), async (ctx) => {
    await duplicates.dismiss(scopeOf(ctx.state), ctx.params.id!);
    ctx.status = 204;
  });
  // admins run the weekly scan now (after an import, say)
  router.post('/duplicates/scan', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = await duplicates.scan();
  });
  return router;
}
