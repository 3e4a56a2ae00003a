import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { TimelineService } from './timeline.service.ts';

export function timelineRoutes(deps: { timeline: TimelineService; customers: CustomerService; org: OrgService }): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/customers/:id/timeline', requireAuth(), async (ctx) => {
    const query = parseInput(
      z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(200).optional() }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    const customer = await deps.customers.requireFull(scopeOf(ctx.state), ctx.params.id!);
    const { page, nextCursor } = await deps.timeline.page(customer._id, query);
    const users = await deps.org.displayNames(page.map((e) => e.actorId));
    ctx.body = {
      items: page.map((e) => ({
        id: e._id.toHexString(),
        type: e.type,
        at: e.at,
        actor: e.actorId ? { id: e.actorId.toHexString(), name: users.get(e.actorId.toHexString()) ?? '' } : null,
        data: e.data,
      })),
      nextCursor,
    };
  });
  return router;
}
