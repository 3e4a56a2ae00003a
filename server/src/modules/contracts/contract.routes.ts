import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createContractBody, recordPaymentBody, updateContractBody } from './contract.input.ts';
import { contractStatuses } from './contract.model.ts';
import type { ContractService } from './contract.service.ts';
import { orderStatuses } from './order.model.ts';
import { createOrderBody, type OrderService } from './order.service.ts';
import type { PaymentService } from './payment.service.ts';
import './messages.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);

export function contractRoutes(contracts: ContractService, payments: PaymentService, orders: OrderService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.post('/contracts', requireAuth(), async (ctx) => {
    const input = parseInput(createContractBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await contracts.create(scopeOf(ctx.state), input, requestMeta(ctx));
  });
  router.get('/contracts', requireAuth(), async (ctx) => {
    const query = parseInput(
      z
        .object({
          status: z.enum(contractStatuses).optional(),
          customerId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
          mine: z.enum(['1', 'true']).optional(),
          limit,
          cursor: z.string().max(200).optional(),
        })
        .strict(),
      ctx.query,
      ctx.state.locale,
    );
    ctx.body = await contracts.list(scopeOf(ctx.state), {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.customerId ? { customerId: query.customerId } : {}),
      ...(query.mine ? { mine: true } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });
  router.get('/contracts/:id', requireAuth(), async (ctx) => {
    ctx.body = await contracts.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.patch('/contracts/:id', requireAuth(), async (ctx) => {
    const input = parseInput(updateContractBody, ctx.request.body, ctx.state.locale);
    ctx.body = await contracts.update(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.post('/contracts/:id/status', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ status: z.enum(['active', 'completed', 'terminated']), reason: z.string().trim().max(500).optional() }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await contracts.transition(scopeOf(ctx.state), ctx.params.id!, input.status, input.reason, requestMeta(ctx));
  });
  router.post('/contracts/:id/payments', requireAuth(), async (ctx) => {
    const input = parseInput(recordPaymentBody, ctx.request.body, ctx.state.locale);
    const result = await payments.record(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx, input.clientKey));
    ctx.status = result.created ? 201 : 200;
    ctx.body = result.payment;
  });
  router.get('/contracts/:id/payments', requireAuth(), async (ctx) => {
    ctx.body = { items: await payments.list(scopeOf(ctx.state), ctx.params.id!) };
  });
  router.get('/customers/:id/transactions', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    ctx.body = { summary: await payments.customerSummary(scope, ctx.params.id!), orders: await orders.list(scope, ctx.params.id!) };
  });
  router.post('/customers/:id/orders', requireAuth(), async (ctx) => {
    const input = parseInput(createOrderBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await orders.create(scopeOf(ctx.state), ctx.params.id!, input);
  });
  router.post('/orders/:id/status', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ status: z.enum(orderStatuses) }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await orders.setStatus(scopeOf(ctx.state), ctx.params.id!, input.status);
  });
  return router;
}
