// /api/v1/customers: list, read, create, edit, upsert by external id and bulk upsert, all through
// CustomerService under the token's scope, answered with the H5 API's customerView.
import { Types } from 'mongoose';
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import type { ExternalIdIndex } from '../../core/db/external-ids.ts';
import { customerStages } from '../customers/customer.model.ts';
import { createCustomerBody, updateCustomerBody, type CreateCustomerInput, type UpdateCustomerInput } from '../customers/customer.input.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { KemaiContext } from '../../core/http/context.ts';
import { apiMeta } from './meta.ts';
import {
  bulkBody,
  bulkResultSchema,
  customerSchema,
  documentedBulk,
  externalIdsInput,
  externalParams,
  idParams,
  ifMatchHeader,
  objectId,
  page,
  pageQuery,
  versionFrom,
} from './schemas.ts';
import { bulkUpsert, upsertByExternal, type ExternalEntity, type UpsertTarget } from './upsert.ts';
import type { V1Api } from './v1-api.ts';

const createBody = createCustomerBody.extend({ externalIds: externalIdsInput.optional() });
const patchBody = updateCustomerBody.extend({ externalIds: externalIdsInput.optional() });
const upsertBody = createCustomerBody.extend({ externalIds: externalIdsInput.optional(), version: z.number().int().min(0).optional() });

/** The customer side of upserts: a repeat after a crash finds its customer by the retry key. */
function target(ctx: KemaiContext, customers: CustomerService): UpsertTarget<CreateCustomerInput, UpdateCustomerInput> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'customers',
    createBody: createCustomerBody,
    updateBody: updateCustomerBody,
    // an upsert does not move ownership: that is a transfer, with its own rules
    createOnly: ['ownerId'],
    async create(input, retryKey) {
      const result = await customers.create(scope, input, apiMeta(ctx, retryKey));
      return { id: result.customer.id };
    },
    update: (id, input) => customers.update(scope, id, input, apiMeta(ctx)),
    get: (id) => customers.get(scope, id),
  };
}

export function customerRoutesV1(api: V1Api, deps: { customers: CustomerService; externalIds: ExternalIdIndex<ExternalEntity> }): void {
  const { customers, externalIds } = deps;

  api.route(
    {
      method: 'get',
      path: '/customers',
      resource: 'customers',
      access: 'read',
      summary: 'List customers (most recently changed first)',
      query: z.object({ ...pageQuery, stage: z.enum(customerStages).optional(), owner: objectId.optional(), tag: z.string().max(30).optional() }).strict(),
      responses: { 200: { description: 'A page of customers', schema: page(customerSchema) } },
    },
    async (ctx, { query }) => customers.list(scopeOf(ctx.state), { ...query, sort: 'updated' }),
  );

  api.route(
    {
      method: 'get',
      path: '/customers/:id',
      resource: 'customers',
      access: 'read',
      summary: 'Read a customer',
      params: idParams,
      responses: { 200: { description: 'The customer', schema: customerSchema } },
    },
    async (ctx, { params }) => customers.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    {
      method: 'post',
      path: '/customers',
      resource: 'customers',
      access: 'write',
      summary: 'Create a customer',
      description: 'Send an Idempotency-Key header to make retries safe. Duplicates (same company or mobile) answer 409 DUPLICATE.',
      body: createBody,
      responses: { 201: { description: 'Created', schema: customerSchema }, 200: { description: 'The same retry again (Idempotency-Key)', schema: customerSchema } },
    },
    async (ctx, { body }) => {
      const { externalIds: ids, ...input } = body;
      const scope = scopeOf(ctx.state);
      const result = await customers.create(scope, input, apiMeta(ctx));
      ctx.status = result.created ? 201 : 200;
      if (!ids) return result.customer;
      await externalIds.attach('customers', oid(result.customer.id), ids);
      return customers.get(scope, result.customer.id);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/customers/:id',
      resource: 'customers',
      access: 'write',
      summary: 'Edit a customer',
      description: 'Send the version you read as If-Match (or `version`): a stale one answers 409 CONFLICT.',
      params: idParams,
      headers: ifMatchHeader,
      body: patchBody,
      responses: { 200: { description: 'The customer after the change', schema: customerSchema } },
    },
    async (ctx, { params, body }) => {
      const { externalIds: ids, ...input } = body;
      const version = input.version ?? versionFrom(ctx.get('If-Match'));
      const scope = scopeOf(ctx.state);
      const updated = await customers.update(scope, params.id, { ...input, ...(version !== undefined ? { version } : {}) }, apiMeta(ctx));
      if (!ids) return updated;
      await externalIds.attach('customers', oid(params.id), ids);
      return customers.get(scope, params.id);
    },
  );

  api.route(
    {
      method: 'put',
      path: '/customers/by-external/:system/:externalId',
      resource: 'customers',
      access: 'write',
      summary: 'Create or update the customer carrying this external id',
      description: 'Fields left out keep their value on an update; the owner is set only on creation.',
      params: externalParams,
      headers: ifMatchHeader,
      body: z.record(z.string(), z.unknown()),
      documentedBody: upsertBody,
      responses: { 201: { description: 'Created', schema: customerSchema }, 200: { description: 'Updated (or unchanged)', schema: customerSchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, target(ctx, customers), params, body, { locale: ctx.state.locale, version: versionFrom(ctx.get('If-Match')) });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/customers/bulk',
      resource: 'customers',
      access: 'write',
      summary: 'Upsert up to 1,000 customers by external id',
      description: 'Each record succeeds or fails on its own; the answer lists every record by its index.',
      body: bulkBody,
      documentedBody: documentedBulk(upsertBody),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, target(ctx, customers), body.items, ctx.state.locale) }),
  );
}

const oid = (id: string) => new Types.ObjectId(id);
