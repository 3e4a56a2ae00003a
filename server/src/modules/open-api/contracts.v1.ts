// /api/v1/contracts, /orders and /payments through ContractService, OrderService and
// PaymentService: contracts keep their approval flow (an edit of an approved contract is refused
// by the service just as in the app). Orders and payments upsert by external id too: an order
// sent again may only move its status; a recorded payment is never edited (the same data answers
// it unchanged, different money answers CONFLICT).
import { Types } from 'mongoose';
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import type { ExternalIdIndex } from '../../core/db/external-ids.ts';
import type { KemaiContext } from '../../core/http/context.ts';
import { createContractBody, recordPaymentBody, updateContractBody } from '../contracts/contract.input.ts';
import { contractStatuses } from '../contracts/contract.model.ts';
import type { ContractService } from '../contracts/contract.service.ts';
import { orderStatuses } from '../contracts/order.model.ts';
import { createOrderBody, syncOrderBody, type OrderService, type SyncOrderInput } from '../contracts/order.service.ts';
import type { PaymentService } from '../contracts/payment.service.ts';
import { apiMeta } from './meta.ts';

import {
  bulkBody,
  bulkResultSchema,
  contractSchema,
  documentedBulk,
  externalIdsInput,
  externalParams,
  idParams,
  ifMatchHeader,
  list,
  objectId,
  orderSchema,
  page,
  pageQuery,
  paymentSchema,
  versionFrom,
  missingVersion,
} from './schemas.ts';
import { bulkUpsert, upsertByExternal, type ExternalEntity, type UpsertTarget } from './upsert.ts';
import type { V1Api } from './v1-api.ts';

type NewContract = z.infer<typeof createContractBody>;
type ContractChange = z.infer<typeof updateContractBody>;
const createBody = createContractBody.extend({ externalIds: externalIdsInput.optional() });
const patchBody = updateContractBody.extend({ version: z.number().int().min(1).optional(), externalIds: externalIdsInput.optional() });

const newOrderBody = createOrderBody.extend({ customerId: objectId });
type NewOrder = z.infer<typeof newOrderBody>;
/** A payment by external id: that id is its retry key, so no clientKey. */
const newPaymentBody = recordPaymentBody.omit({ clientKey: true }).extend({ contractId: objectId });
type NewPayment = z.infer<typeof newPaymentBody>;
const paymentSyncBody = newPaymentBody.partial();
type PaymentSync = z.infer<typeof paymentSyncBody>;

/** Orders by external id: a new one is created (keyed by the external id for retries); an existing one takes its status. */
function orderTarget(ctx: KemaiContext, orders: OrderService): UpsertTarget<NewOrder, SyncOrderInput> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'orders',
    createBody: newOrderBody,
    updateBody: syncOrderBody,
    // the customer is compared, not ignored: an order does not move between customers
    createOnly: [],
    async create({ customerId, ...input }, retryKey) {
      return { id: (await orders.create(scope, customerId, input, { idempotencyKey: retryKey })).id };
    },
    update: (id, input) => orders.sync(scope, id, input),
    get: (id) => orders.get(scope, id),
  };
}

/** Payments by external id: recorded once, then only confirmed (money is not edited through a sync). */
function paymentTarget(ctx: KemaiContext, payments: PaymentService): UpsertTarget<NewPayment, PaymentSync> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'payments',
    createBody: newPaymentBody,
    updateBody: paymentSyncBody,
    createOnly: [],
    async create(input, retryKey) {
      const { contractId, ...payment } = input;
      const result = await payments.record(scope, contractId, payment, apiMeta(ctx, retryKey));
      // a retry that found what an interrupted attempt recorded must still be the same payment
      if (!result.created) await payments.confirm(scope, result.payment.id, input);
      return { id: result.payment.id };
    },
    update: (id, input) => payments.confirm(scope, id, input),
    get: (id) => payments.get(scope, id),
  };
}

function target(ctx: KemaiContext, contracts: ContractService): UpsertTarget<NewContract, Omit<ContractChange, 'version'> & { version?: number }> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'contracts',
    createBody: createContractBody,
    updateBody: updateContractBody.extend({ version: z.number().int().min(1).optional() }),
    createOnly: ['customerId', 'opportunityId'],
    async create(input) {
      return { id: (await contracts.create(scope, input, apiMeta(ctx))).id };
    },
    async update(id, input) {
      const version = input.version ?? (await contracts.get(scope, id)).version;
      return contracts.update(scope, id, { ...input, version }, apiMeta(ctx));
    },
    get: (id) => contracts.get(scope, id),
  };
}

export function contractRoutesV1(
  api: V1Api,
  deps: { contracts: ContractService; orders: OrderService; payments: PaymentService; externalIds: ExternalIdIndex<ExternalEntity> },
): void {
  const { contracts, orders, payments, externalIds } = deps;

  api.route(
    {
      method: 'get',
      path: '/contracts',
      resource: 'contracts',
      access: 'read',
      summary: 'List contracts (newest first)',
      query: z.object({ ...pageQuery, status: z.enum(contractStatuses).optional(), customerId: objectId.optional() }).strict(),
      responses: { 200: { description: 'A page of contracts', schema: page(contractSchema) } },
    },
    async (ctx, { query }) => contracts.list(scopeOf(ctx.state), query),
  );

  api.route(
    { method: 'get', path: '/contracts/:id', resource: 'contracts', access: 'read', summary: 'Read a contract', params: idParams, responses: { 200: { description: 'The contract', schema: contractSchema } } },
    async (ctx, { params }) => contracts.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    { method: 'post', path: '/contracts', resource: 'contracts', access: 'write', summary: 'Create a contract draft', body: createBody, responses: { 201: { description: 'Created', schema: contractSchema } } },
    async (ctx, { body }) => {
      const { externalIds: ids, ...input } = body;
      const scope = scopeOf(ctx.state);
      const created = await contracts.create(scope, input, apiMeta(ctx));
      if (!ids) return created;
      await externalIds.attach('contracts', new Types.ObjectId(created.id), ids);
      return contracts.get(scope, created.id);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/contracts/:id',
      resource: 'contracts',
      access: 'write',
      summary: 'Edit a contract draft',
      description: 'The version you read is required, as If-Match or `version`: a stale one answers 409 CONFLICT.',
      params: idParams,
      headers: ifMatchHeader,
      body: patchBody,
      responses: { 200: { description: 'The contract after the change', schema: contractSchema } },
    },
    async (ctx, { params, body }) => {
      const { externalIds: ids, version: bodyVersion, ...input } = body;
      const version = bodyVersion ?? versionFrom(ctx.get('If-Match'));
      if (version === undefined) throw missingVersion();
      const scope = scopeOf(ctx.state);
      const updated = await contracts.update(scope, params.id, { ...input, version }, apiMeta(ctx));
      if (!ids) return updated;
      await externalIds.attach('contracts', new Types.ObjectId(params.id), ids);
      return contracts.get(scope, params.id);
    },
  );

  api.route(
    {
      method: 'put',
      path: '/contracts/by-external/:system/:externalId',
      resource: 'contracts',
      access: 'write',
      summary: 'Create or update the contract carrying this external id',
      params: externalParams,
      headers: ifMatchHeader,
      body: z.record(z.string(), z.unknown()),
      documentedBody: createBody.extend({ version: z.number().int().optional() }),
      responses: { 201: { description: 'Created', schema: contractSchema }, 200: { description: 'Updated (or unchanged)', schema: contractSchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, target(ctx, contracts), params, body, { locale: ctx.state.locale, version: versionFrom(ctx.get('If-Match')) });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/contracts/bulk',
      resource: 'contracts',
      access: 'write',
      summary: 'Upsert up to 1,000 contracts by external id',
      body: bulkBody,
      documentedBody: documentedBulk(createBody),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, target(ctx, contracts), body.items, ctx.state.locale) }),
  );

  api.route(
    {
      method: 'get',
      path: '/orders',
      resource: 'orders',
      access: 'read',
      summary: "A customer's orders (newest first, at most 200)",
      query: z.object({ customerId: objectId }).strict(),
      responses: { 200: { description: 'The orders', schema: list(orderSchema) } },
    },
    async (ctx, { query }) => ({ items: await orders.list(scopeOf(ctx.state), query.customerId) }),
  );

  api.route(
    {
      method: 'post',
      path: '/orders',
      resource: 'orders',
      access: 'write',
      summary: 'Record an order of a customer',
      body: createOrderBody.extend({ customerId: objectId }),
      responses: { 201: { description: 'Created', schema: orderSchema } },
    },
    async (ctx, { body }) => {
      const { customerId, ...input } = body;
      return orders.create(scopeOf(ctx.state), customerId, input);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/orders/:id',
      resource: 'orders',
      access: 'write',
      summary: "Change an order's status",
      params: idParams,
      body: z.object({ status: z.enum(orderStatuses) }).strict(),
      responses: { 200: { description: 'The order after the change', schema: orderSchema } },
    },
    async (ctx, { params, body }) => orders.setStatus(scopeOf(ctx.state), params.id, body.status),
  );

  api.route(
    {
      method: 'put',
      path: '/orders/by-external/:system/:externalId',
      resource: 'orders',
      access: 'write',
      summary: 'Create or update the order carrying this external id',
      description:
        'No order carries the id yet: the order is recorded (201). One does: only its `status` can change (200). What was bought, when, ' +
        'from which customer and under which contract is fixed once recorded: those fields, when sent, must match the record (so resending ' +
        'the whole order is a harmless repeat), or the answer is 409 CONFLICT naming the fields that differ, and nothing changes.',
      params: externalParams,
      body: z.record(z.string(), z.unknown()),
      documentedBody: newOrderBody.extend({ externalIds: externalIdsInput.optional() }),
      responses: { 201: { description: 'Created', schema: orderSchema }, 200: { description: 'Updated (or unchanged)', schema: orderSchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, orderTarget(ctx, orders), params, body, { locale: ctx.state.locale });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/orders/bulk',
      resource: 'orders',
      access: 'write',
      summary: 'Upsert up to 1,000 orders by external id',
      description: 'Each record as with PUT /orders/by-external/{system}/{externalId}; a bad record answers its error and the others go on.',
      body: bulkBody,
      documentedBody: documentedBulk(newOrderBody.extend({ externalIds: externalIdsInput.optional() })),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, orderTarget(ctx, orders), body.items, ctx.state.locale) }),
  );

  api.route(
    {
      method: 'get',
      path: '/payments',
      resource: 'payments',
      access: 'read',
      summary: "A contract's payments",
      query: z.object({ contractId: objectId }).strict(),
      responses: { 200: { description: 'The payments', schema: list(paymentSchema) } },
    },
    async (ctx, { query }) => ({ items: await payments.list(scopeOf(ctx.state), query.contractId) }),
  );

  api.route(
    {
      method: 'post',
      path: '/payments',
      resource: 'payments',
      access: 'write',
      summary: 'Record a payment against an instalment of a contract',
      description: 'clientKey (or Idempotency-Key) makes a retry answer the payment recorded the first time (200).',
      body: recordPaymentBody.extend({ contractId: objectId }),
      responses: { 201: { description: 'Recorded', schema: paymentSchema }, 200: { description: 'The same retry again', schema: paymentSchema } },
    },
    async (ctx, { body }) => {
      const { contractId, ...input } = body;
      const result = await payments.record(scopeOf(ctx.state), contractId, input, apiMeta(ctx, input.clientKey));
      ctx.status = result.created ? 201 : 200;
      return result.payment;
    },
  );

  api.route(
    {
      method: 'put',
      path: '/payments/by-external/:system/:externalId',
      resource: 'payments',
      access: 'write',
      summary: 'Record the payment carrying this external id, once',
      description:
        'No payment carries the id yet: it is recorded against the instalment (201), under the same rules as POST /payments (an approved ' +
        'contract, no pending amendment, no overpayment). One does: a recorded payment (回款) is never edited, so the answer is the stored ' +
        'payment, unchanged (200), when the fields sent match it; a different amount, date, method, instalment, contract or note answers ' +
        '409 CONFLICT (`error.payment.immutable`, naming the fields) and changes nothing: correct money in Kemai itself. The external id is ' +
        'also the retry key: a retry after a lost answer never records the money twice. New `externalIds` may still be attached.',
      params: externalParams,
      body: z.record(z.string(), z.unknown()),
      documentedBody: newPaymentBody.extend({ externalIds: externalIdsInput.optional() }),
      responses: { 201: { description: 'Recorded', schema: paymentSchema }, 200: { description: 'Already recorded with the same data: the stored payment', schema: paymentSchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, paymentTarget(ctx, payments), params, body, { locale: ctx.state.locale });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/payments/bulk',
      resource: 'payments',
      access: 'write',
      summary: 'Record up to 1,000 payments by external id',
      description:
        'Each record as with PUT /payments/by-external/{system}/{externalId}: a payment already recorded with the same data is "updated" ' +
        '(unchanged); one with different money is an error (CONFLICT) and the others go on.',
      body: bulkBody,
      documentedBody: documentedBulk(newPaymentBody.extend({ externalIds: externalIdsInput.optional() })),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, paymentTarget(ctx, payments), body.items, ctx.state.locale) }),
  );
}
