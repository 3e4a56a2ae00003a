// /api/v1/opportunities through OpportunityService; versions guard concurrent edits.
import { Types } from 'mongoose';
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import type { ExternalIdIndex } from '../../core/db/external-ids.ts';
import type { KemaiContext } from '../../core/http/context.ts';
import {
  createOpportunityBody,
  updateOpportunityBody,
  type OpportunityService,
} from '../opportunities/opportunity.service.ts';
import { apiMeta } from './meta.ts';
import { bulkBody, bulkResultSchema, documentedBulk, externalIdsInput, externalParams, idParams, ifMatchHeader, missingVersion, objectId, opportunitySchema, page, pageQuery, versionFrom } from './schemas.ts';
import { bulkUpsert, upsertByExternal, type ExternalEntity, type UpsertTarget } from './upsert.ts';
import type { V1Api } from './v1-api.ts';

type NewOpportunity = z.infer<typeof createOpportunityBody>;
type OpportunityChange = z.infer<typeof updateOpportunityBody>;
const createBody = createOpportunityBody.extend({ externalIds: externalIdsInput.optional() });
const patchBody = updateOpportunityBody.extend({ version: z.number().int().min(1).optional(), externalIds: externalIdsInput.optional() });

function target(ctx: KemaiContext, opportunities: OpportunityService): UpsertTarget<NewOpportunity, Omit<OpportunityChange, 'version'> & { version?: number }> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'opportunities',
    createBody: createOpportunityBody,
    updateBody: updateOpportunityBody.extend({ version: z.number().int().min(1).optional() }),
    createOnly: ['customerId', 'stageSetId', 'stage'],
    async create(input) {
      return { id: (await opportunities.create(scope, input, apiMeta(ctx))).id };
    },
    async update(id, input) {
      // without a version the upsert writes over whatever is stored (the source system wins)
      const version = input.version ?? (await opportunities.get(scope, id)).version;
      return opportunities.update(scope, id, { ...input, version }, apiMeta(ctx));
    },
    get: (id) => opportunities.get(scope, id),
  };
}

export function opportunityRoutesV1(api: V1Api, deps: { opportunities: OpportunityService; externalIds: ExternalIdIndex<ExternalEntity> }): void {
  const { opportunities, externalIds } = deps;

  api.route(
    {
      method: 'get',
      path: '/opportunities',
      resource: 'opportunities',
      access: 'read',
      summary: 'List opportunities (most recently changed first)',
      query: z.object({ ...pageQuery, status: z.enum(['open', 'won', 'lost']).optional(), customerId: objectId.optional() }).strict(),
      responses: { 200: { description: 'A page of opportunities', schema: page(opportunitySchema) } },
    },
    async (ctx, { query }) => opportunities.list(scopeOf(ctx.state), query),
  );

  api.route(
    { method: 'get', path: '/opportunities/:id', resource: 'opportunities', access: 'read', summary: 'Read an opportunity', params: idParams, responses: { 200: { description: 'The opportunity', schema: opportunitySchema } } },
    async (ctx, { params }) => opportunities.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    { method: 'post', path: '/opportunities', resource: 'opportunities', access: 'write', summary: 'Create an opportunity', body: createBody, responses: { 201: { description: 'Created', schema: opportunitySchema } } },
    async (ctx, { body }) => {
      const { externalIds: ids, ...input } = body;
      const scope = scopeOf(ctx.state);
      const created = await opportunities.create(scope, input, apiMeta(ctx));
      if (!ids) return created;
      await externalIds.attach('opportunities', new Types.ObjectId(created.id), ids);
      return opportunities.get(scope, created.id);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/opportunities/:id',
      resource: 'opportunities',
      access: 'write',
      summary: 'Edit an opportunity',
      description: 'The version you read is required, as If-Match or `version`: a stale one answers 409 CONFLICT.',
      params: idParams,
      headers: ifMatchHeader,
      body: patchBody,
      responses: { 200: { description: 'The opportunity after the change', schema: opportunitySchema } },
    },
    async (ctx, { params, body }) => {
      const { externalIds: ids, version: bodyVersion, ...input } = body;
      const version = bodyVersion ?? versionFrom(ctx.get('If-Match'));
      const scope = scopeOf(ctx.state);
      if (version === undefined) throw missingVersion();
      const updated = await opportunities.update(scope, params.id, { ...input, version }, apiMeta(ctx));
      if (!ids) return updated;
      await externalIds.attach('opportunities', new Types.ObjectId(params.id), ids);
      return opportunities.get(scope, params.id);
    },
  );

  api.route(
    {
      method: 'put',
      path: '/opportunities/by-external/:system/:externalId',
      resource: 'opportunities',
      access: 'write',
      summary: 'Create or update the opportunity carrying this external id',
      params: externalParams,
      headers: ifMatchHeader,
      body: z.record(z.string(), z.unknown()),
      documentedBody: createBody.extend({ version: z.number().int().optional() }),
      responses: { 201: { description: 'Created', schema: opportunitySchema }, 200: { description: 'Updated (or unchanged)', schema: opportunitySchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, target(ctx, opportunities), params, body, { locale: ctx.state.locale, version: versionFrom(ctx.get('If-Match')) });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/opportunities/bulk',
      resource: 'opportunities',
      access: 'write',
      summary: 'Upsert up to 1,000 opportunities by external id',
      body: bulkBody,
      documentedBody: documentedBulk(createBody),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, target(ctx, opportunities), body.items, ctx.state.locale) }),
  );
}

