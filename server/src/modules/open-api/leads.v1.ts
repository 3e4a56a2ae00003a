// /api/v1/leads through LeadService: leads from other systems (a website, an ad platform) go
// through the same assignment rules and duplicate checks as leads entered in the app.
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import { leadBody, type LeadService } from '../leads/lead.service.ts';
import { leadSchema, list } from './schemas.ts';
import type { V1Api } from './v1-api.ts';

export function leadRoutesV1(api: V1Api, leads: LeadService): void {
  api.route(
    {
      method: 'get',
      path: '/leads',
      resource: 'leads',
      access: 'read',
      summary: 'Recent leads the token sees (newest first)',
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
      responses: { 200: { description: 'The leads', schema: list(leadSchema) } },
    },
    async (ctx, { query }) => ({ items: await leads.list(scopeOf(ctx.state), query.limit) }),
  );

  api.route(
    { method: 'post', path: '/leads', resource: 'leads', access: 'write', summary: 'Add a lead', body: leadBody, responses: { 201: { description: 'Captured', schema: leadSchema } } },
    async (ctx, { body }) => leads.add(scopeOf(ctx.state), body, 'api'),
  );
}
