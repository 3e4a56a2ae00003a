import Router from '@koa/router';
import { Types } from 'mongoose';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { maskableField, revealValue } from '../../core/auth/field-rules.ts';
import { notFound } from '../../core/errors.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { AuditChange } from './audit.model.ts';
import { settingEntityId, type AuditService } from './audit.service.ts';

const query = z
  .object({
    entity: z.enum(['customer', 'contact', 'followUp']),
    id: z.string().regex(/^[0-9a-f]{24}$/i),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();

/** Audit entries of one record, for managers and admins, within their scope. */
export function auditRoutes(deps: { audit: AuditService; customers: CustomerService; org: OrgService }): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/audit', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('audit.view');
    const q = parseInput(query, ctx.query, ctx.state.locale);
    const entityId = new Types.ObjectId(q.id);
    // the record's customer decides visibility (deleted customers stay auditable for admins)
    const customerId = await deps.audit.customerOf(q.entity, entityId);
    if (!customerId) throw notFound();
    if (!scope.seesAll) await deps.customers.requireFull(scope, customerId);
    const { page, nextCursor } = await deps.audit.list({ entity: q.entity, entityId, limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    const users = await deps.org.displayNames(page.map((e) => e.actorId));
    // before and after values of phones and emails follow the caller's field rules, as the record does
    const owner = (await deps.customers.rawOwner(customerId)) ?? null;
    const shown = (entity: string, change: AuditChange): AuditChange => {
      const field = maskableField(entity, change.field);
      if (!field) return change;
      const how = scope.exposure(field, owner);
      return { field: change.field, before: revealValue(field, change.before, how), after: revealValue(field, change.after, how) };
    };
    ctx.body = {
      items: page.map((e) => ({
        id: e._id.toHexString(),
        at: e.at,
        action: e.action,
        entity: e.entity,
        entityId: e.entityId.toHexString(),
        actor: e.actorId ? { id: e.actorId.toHexString(), name: users.get(e.actorId.toHexString()) ?? '' } : null,
        changes: e.changes.map((c) => shown(e.entity, c)),
        client: e.client,
        note: e.note ?? null,
      })),
      nextCursor,
    };
  });
  /** the history of one piece of configuration (`settings.pool`, `dictionary.industry`, `rule.staleLead`…), for admins */
  router.get('/audit/settings', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('settings.manage');
    const q = parseInput(
      z.object({ key: z.string().regex(/^[a-zA-Z][\w.-]{0,80}$/), limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(200).optional() }).strict(),
      ctx.query,
      ctx.state.locale,
    );
    const { page, nextCursor } = await deps.audit.list({ entity: 'setting', entityId: settingEntityId(q.key), limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) });
    const users = await deps.org.displayNames(page.map((e) => e.actorId));
    ctx.body = {
      items: page.map((e) => ({
        id: e._id.toHexString(),
        at: e.at,
        actor: e.actorId ? { id: e.actorId.toHexString(), name: users.get(e.actorId.toHexString()) ?? '' } : null,
        changes: e.changes,
        client: e.client,
      })),
      nextCursor,
    };
  });
  return router;
}
