// /api/v1/tickets through TicketService: open tickets (e.g. from a call centre), follow them.
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import { ticketStatuses } from '../tickets/ticket.model.ts';
import { createTicketBody, transitionBody, type TicketService } from '../tickets/ticket.service.ts';
import { idParams, objectId, page, pageQuery, ticketSchema } from './schemas.ts';
import type { V1Api } from './v1-api.ts';

export function ticketRoutesV1(api: V1Api, tickets: TicketService): void {
  api.route(
    {
      method: 'get',
      path: '/tickets',
      resource: 'tickets',
      access: 'read',
      summary: 'List tickets',
      query: z.object({ ...pageQuery, status: z.enum(ticketStatuses).optional(), customerId: objectId.optional() }).strict(),
      responses: { 200: { description: 'A page of tickets', schema: page(ticketSchema) } },
    },
    async (ctx, { query }) => tickets.list(scopeOf(ctx.state), query),
  );

  api.route(
    { method: 'get', path: '/tickets/:id', resource: 'tickets', access: 'read', summary: 'Read a ticket', params: idParams, responses: { 200: { description: 'The ticket', schema: ticketSchema } } },
    async (ctx, { params }) => tickets.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    { method: 'post', path: '/tickets', resource: 'tickets', access: 'write', summary: 'Open a ticket', body: createTicketBody, responses: { 201: { description: 'Opened', schema: ticketSchema } } },
    async (ctx, { body }) => tickets.create(scopeOf(ctx.state), body),
  );

  api.route(
    {
      method: 'post',
      path: '/tickets/:id/transition',
      resource: 'tickets',
      access: 'write',
      summary: 'Move a ticket along its workflow',
      params: idParams,
      body: transitionBody,
      responses: { 200: { description: 'The ticket after the move', schema: ticketSchema } },
    },
    async (ctx, { params, body }) => tickets.transition(scopeOf(ctx.state), params.id, body, ctx.state.locale),
  );
}
