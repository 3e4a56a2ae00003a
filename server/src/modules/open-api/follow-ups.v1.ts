// /api/v1/follow-ups through FollowUpService: log a follow-up on a customer, read them back.
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import { createFollowUpBody, type FollowUpService } from '../follow-ups/follow-up.service.ts';
import { apiMeta } from './meta.ts';
import { followUpSchema, idParams, objectId, page, pageQuery } from './schemas.ts';
import type { V1Api } from './v1-api.ts';

export function followUpRoutesV1(api: V1Api, followUps: FollowUpService): void {
  api.route(
    {
      method: 'get',
      path: '/follow-ups',
      resource: 'followUps',
      access: 'read',
      summary: "A customer's follow-ups, or a person's (yours by default), newest first",
      query: z.object({ ...pageQuery, customerId: objectId.optional(), userId: objectId.optional() }).strict(),
      responses: { 200: { description: 'A page of follow-ups', schema: page(followUpSchema) } },
    },
    async (ctx, { query }) => {
      const scope = scopeOf(ctx.state);
      if (query.customerId) return followUps.listForCustomer(scope, query.customerId, query.limit, query.cursor);
      return followUps.listByUser(scope, { limit: query.limit, ...(query.userId ? { userId: query.userId } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
    },
  );

  api.route(
    { method: 'get', path: '/follow-ups/:id', resource: 'followUps', access: 'read', summary: 'Read a follow-up', params: idParams, responses: { 200: { description: 'The follow-up', schema: followUpSchema } } },
    async (ctx, { params }) => followUps.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    {
      method: 'post',
      path: '/follow-ups',
      resource: 'followUps',
      access: 'write',
      summary: 'Log a follow-up on a customer',
      description: 'clientKey (or Idempotency-Key) makes a retry answer the follow-up logged the first time (200).',
      body: createFollowUpBody.extend({ customerId: objectId }),
      responses: { 201: { description: 'Logged', schema: followUpSchema }, 200: { description: 'The same retry again', schema: followUpSchema } },
    },
    async (ctx, { body }) => {
      const { customerId, ...input } = body;
      const result = await followUps.create(scopeOf(ctx.state), customerId, input, apiMeta(ctx, input.clientKey));
      ctx.status = result.created ? 201 : 200;
      return result.followUp;
    },
  );
}
