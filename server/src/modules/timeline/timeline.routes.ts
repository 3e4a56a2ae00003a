import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { decodeCursor, encodeCursor } from '../../core/http/cursor.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { Types } from 'mongoose';
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
    const position = decodeCursor(query.cursor);
    const events = await deps.timeline.page(customer._id, {
      limit: query.limit + 1,
      ...(position ? { before: { at: new Date(String(position.value)), id: new Types.ObjectId(position.id) } } : {}),
    });
    const page = events.slice(0, query.limit);
    const users = await deps.org.displayNames(page.map((e) => e.actorId));
    const last = page.at(-1);
    ctx.body = {
      items: page.map((e) => ({
        id: e._id.toHexString(),
        type: e.type,
        at: e.at,
        actor: e.actorId ? { id: e.actorId.toHexString(), name: users.get(e.actorId.toHexString()) ?? '' } : null,
        data: e.data,
      })),
      nextCursor: events.length > query.limit && last ? encodeCursor({ value: last.at.toISOString(), id: last._id.toHexString() }) : null,
    };
  });
  return router;
}
