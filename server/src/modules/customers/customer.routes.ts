// /api/customers and the pool: thin handlers that parse, call the services and shape the answer.
import Router from '@koa/router';
import { Types } from 'mongoose';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { dayBound } from '../../core/http/day-bound.ts';
import { parseInput } from '../../core/http/validate.ts';
import { customerStages } from './customer.model.ts';
import { createCustomerBody, updateCustomerBody } from './customer.input.ts';
import { listSorts, type CustomerService } from './customer.service.ts';
import type { PoolService } from './pool.service.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const flag = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true');
const limit = z.coerce.number().int().min(1).max(100).default(20);

/** The customer list's filters, as query-string text; exports take the same vocabulary. */
export const customerFilterFields = {
  owner: z.union([objectId, z.literal('me')]).optional(),
  department: objectId.optional(),
  stage: z.enum(customerStages).optional(),
  level: z.string().max(20).optional(),
  industry: z.string().max(50).optional(),
  source: z.string().max(50).optional(),
  province: z.string().max(30).optional(),
  city: z.string().max(30).optional(),
  tag: z.string().max(30).optional(),
  idleDays: z.coerce.number().int().min(0).max(3650).optional(),
  /** next follow-up due at or before this time (today's and overdue follow-ups) */
  dueBefore: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  /** created on or after / on or before these days (Asia/Shanghai): a report's period */
  createdFrom: dayBound(false).optional(),
  createdTo: dayBound(true).optional(),
  needsCompletion: flag.optional(),
  keyword: z.string().trim().max(50).optional(),
  q: z.string().trim().max(50).optional(),
  deleted: flag.optional(),
};

const listQuery = z
  .object({
    ...customerFilterFields,
    sort: z.enum(Object.keys(listSorts) as [keyof typeof listSorts, ...(keyof typeof listSorts)[]]).default('updated'),
    order: z.enum(['asc', 'desc']).optional(),
    limit,
    cursor: z.string().max(200).optional(),
  })
  .strict();

const duplicateQuery = z
  .object({
    name: z.string().trim().max(100).optional(),
    phone: z.string().trim().max(40).optional(),
    type: z.enum(['company', 'person']).optional(),
    excludeId: objectId.optional(),
  })
  .strict();

export function customerRoutes(customers: CustomerService, pool: PoolService): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/customers', requireAuth(), async (ctx) => {
    const query = parseInput(listQuery, ctx.query, ctx.state.locale);
    ctx.body = await customers.list(scopeOf(ctx.state), { ...query, keyword: query.keyword ?? query.q });
  });

  router.post('/customers', requireAuth(), async (ctx) => {
    const input = parseInput(createCustomerBody, ctx.request.body, ctx.state.locale);
    const result = await customers.create(scopeOf(ctx.state), input, requestMeta(ctx));
    ctx.status = result.created ? 201 : 200;
    ctx.body = result.customer;
  });

  router.get('/customers/check-duplicate', requireAuth(), async (ctx) => {
    const query = parseInput(duplicateQuery, ctx.query, ctx.state.locale);
    const scope = scopeOf(ctx.state);
    scope.require('customer.view');
    const matches = await customers.findDuplicates(
      scope,
      { type: query.type ?? 'company', ...(query.name ? { name: query.name } : {}), phones: query.phone ? [query.phone] : [] },
      query.excludeId ? new Types.ObjectId(query.excludeId) : undefined,
    );
    ctx.body = { duplicate: matches.length > 0, matches };
  });

  router.post('/customers/transfer', requireAuth(), async (ctx) => {
    const body = parseInput(z.object({ fromUserId: objectId, toUserId: objectId }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await pool.transferAll(scopeOf(ctx.state), body.fromUserId, body.toUserId, requestMeta(ctx));
  });

  router.get('/customers/:id', requireAuth(), async (ctx) => {
    ctx.body = await customers.get(scopeOf(ctx.state), ctx.params.id!);
  });

  router.patch('/customers/:id', requireAuth(), async (ctx) => {
    const input = parseInput(updateCustomerBody, ctx.request.body, ctx.state.locale);
    const ifMatch = /^"?(\d+)"?$/.exec(ctx.get('If-Match'))?.[1];
    if (ifMatch !== undefined && input.version === undefined) input.version = Number(ifMatch);
    ctx.body = await customers.update(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });

  router.delete('/customers/:id', requireAuth(), async (ctx) => {
    await customers.remove(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
    ctx.status = 204;
  });

  router.post('/customers/:id/restore', requireAuth(), async (ctx) => {
    ctx.body = await customers.restore(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
  });

  router.post('/customers/:id/claim', requireAuth(), async (ctx) => {
    ctx.body = await pool.claim(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
  });

  router.post('/customers/:id/release', requireAuth(), async (ctx) => {
    const body = parseInput(z.object({ reason: z.string().trim().min(1).max(200) }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await pool.release(scopeOf(ctx.state), ctx.params.id!, body.reason, requestMeta(ctx));
  });

  router.post('/customers/:id/transfer', requireAuth(), async (ctx) => {
    const body = parseInput(z.object({ toUserId: objectId }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await pool.transfer(scopeOf(ctx.state), ctx.params.id!, body.toUserId, requestMeta(ctx));
  });

  router.get('/pool', requireAuth(), async (ctx) => {
    const query = parseInput(
      z.object({ poolId: objectId.optional(), keyword: z.string().trim().max(50).optional(), limit, cursor: z.string().max(200).optional() }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    ctx.body = await pool.list(scopeOf(ctx.state), query);
  });

  router.get('/pools', requireAuth(), async (ctx) => {
    const pools = await pool.visiblePools(scopeOf(ctx.state));
    ctx.body = { items: pools.map((p) => ({ id: p._id.toHexString(), name: p.name, departmentId: p.departmentId?.toHexString() ?? null, isDefault: p.isDefault })) };
  });

  router.post('/pools', requireAuth(), async (ctx) => {
    const body = parseInput(z.object({ name: z.string().trim().min(1).max(50), departmentId: objectId.nullable().optional() }).strict(), ctx.request.body, ctx.state.locale);
    const created = await pool.createPool(scopeOf(ctx.state), body);
    ctx.status = 201;
    ctx.body = { id: created._id.toHexString(), name: created.name, departmentId: created.departmentId?.toHexString() ?? null, isDefault: false };
  });

  return router;
}
