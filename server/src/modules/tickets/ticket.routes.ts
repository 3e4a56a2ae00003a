import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { ticketStatuses } from './ticket.model.ts';
import { createTicketBody, satisfactionBody, transitionBody, type TicketService } from './ticket.service.ts';
import './messages.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export function ticketRoutes(tickets: TicketService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.post('/tickets', requireAuth(), async (ctx) => {
    const input = parseInput(createTicketBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await tickets.create(scopeOf(ctx.state), input);
  });
  // before /tickets/:id
  router.get('/tickets/assignees', requireAuth(), async (ctx) => {
    ctx.body = { items: await tickets.assignees(scopeOf(ctx.state)) };
  });
  router.get('/tickets', requireAuth(), async (ctx) => {
    const query = parseInput(
      z
        .object({
          status: z.enum(ticketStatuses).optional(),
          /** every status but closed */
          open: z.enum(['1', 'true']).optional(),
          customerId: objectId.optional(),
          mine: z.enum(['1', 'true']).optional(),
          limit,
          cursor: z.string().max(200).optional(),
        })
        .strict(),
      ctx.query,
      ctx.state.locale,
    );
    ctx.body = await tickets.list(scopeOf(ctx.state), {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.customerId ? { customerId: query.customerId } : {}),
      ...(query.mine ? { mine: true } : {}),
      ...(query.open ? { open: true } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });
  router.get('/tickets/:id', requireAuth(), async (ctx) => {
    ctx.body = await tickets.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.post('/tickets/:id/assign', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ assigneeId: objectId }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await tickets.assign(scopeOf(ctx.state), ctx.params.id!, input.assigneeId, ctx.state.locale);
  });
  router.post('/tickets/:id/transition', requireAuth(), async (ctx) => {
    const input = parseInput(transitionBody, ctx.request.body, ctx.state.locale);
    ctx.body = await tickets.transition(scopeOf(ctx.state), ctx.params.id!, input, ctx.state.locale);
  });
  router.post('/tickets/:id/notes', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ note: z.string().trim().min(1).max(2000) }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await tickets.addNote(scopeOf(ctx.state), ctx.params.id!, input.note);
  });
  router.post('/tickets/:id/satisfaction', requireAuth(), async (ctx) => {
    const input = parseInput(satisfactionBody, ctx.request.body, ctx.state.locale);
    ctx.body = await tickets.rate(scopeOf(ctx.state), ctx.params.id!, input);
  });
  return router;
}
