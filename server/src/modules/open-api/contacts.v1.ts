// /api/v1/contacts: the contact people of the customers a token sees, through ContactService.
import { Types } from 'mongoose';
import { z } from 'zod';
import { scopeOf } from '../../core/auth/authenticator.ts';
import type { ExternalIdIndex } from '../../core/db/external-ids.ts';
import type { KemaiContext } from '../../core/http/context.ts';
import { createContactBody, updateContactBody, type ContactService } from '../contacts/contact.service.ts';
import { apiMeta } from './meta.ts';
import { bulkBody, bulkResultSchema, contactSchema, documentedBulk, externalIdsInput, externalParams, idParams, ifMatchHeader, missingVersion, objectId, page, pageQuery, versionFrom } from './schemas.ts';

import { bulkUpsert, upsertByExternal, type ExternalEntity, type UpsertTarget } from './upsert.ts';
import type { V1Api } from './v1-api.ts';

const newContact = createContactBody.extend({ customerId: objectId });
type NewContact = z.infer<typeof newContact>;
type ContactChange = z.infer<typeof updateContactBody>;
const createBody = newContact.extend({ externalIds: externalIdsInput.optional() });
const patchBody = updateContactBody.extend({ externalIds: externalIdsInput.optional() });

function target(ctx: KemaiContext, contacts: ContactService): UpsertTarget<NewContact, ContactChange> {
  const scope = scopeOf(ctx.state);
  return {
    entity: 'contacts',
    createBody: newContact,
    updateBody: updateContactBody,
    // a contact stays with its customer: customerId only chooses where a new one goes
    createOnly: ['customerId'],
    async create({ customerId, ...input }) {
      return { id: (await contacts.create(scope, customerId, input, apiMeta(ctx))).id };
    },
    update: (id, input) => contacts.update(scope, id, input, apiMeta(ctx)),
    get: (id) => contacts.get(scope, id),
  };
}

export function contactRoutesV1(api: V1Api, deps: { contacts: ContactService; externalIds: ExternalIdIndex<ExternalEntity> }): void {
  const { contacts, externalIds } = deps;

  api.route(
    {
      method: 'get',
      path: '/contacts',
      resource: 'contacts',
      access: 'read',
      summary: 'List contacts (of one customer, or of every customer the token sees)',
      query: z.object({ ...pageQuery, customerId: objectId.optional() }).strict(),
      responses: { 200: { description: 'A page of contacts', schema: page(contactSchema) } },
    },
    async (ctx, { query }) => contacts.page(scopeOf(ctx.state), query),
  );

  api.route(
    { method: 'get', path: '/contacts/:id', resource: 'contacts', access: 'read', summary: 'Read a contact', params: idParams, responses: { 200: { description: 'The contact', schema: contactSchema } } },
    async (ctx, { params }) => contacts.get(scopeOf(ctx.state), params.id),
  );

  api.route(
    { method: 'post', path: '/contacts', resource: 'contacts', access: 'write', summary: 'Add a contact to a customer', body: createBody, responses: { 201: { description: 'Created', schema: contactSchema } } },
    async (ctx, { body }) => {
      const { externalIds: ids, customerId, ...input } = body;
      const scope = scopeOf(ctx.state);
      const created = await contacts.create(scope, customerId, input, apiMeta(ctx));
      if (!ids) return created;
      await externalIds.attach('contacts', new Types.ObjectId(created.id), ids);
      return contacts.get(scope, created.id);
    },
  );

  api.route(
    {
      method: 'patch',
      path: '/contacts/:id',
      resource: 'contacts',
      access: 'write',
      summary: 'Edit a contact',
      description: 'The version you read is required, as If-Match or `version`: a stale one answers 409 CONFLICT.',
      params: idParams,
      headers: ifMatchHeader,
      body: patchBody,
      responses: { 200: { description: 'The contact after the change', schema: contactSchema } },
    },
    async (ctx, { params, body }) => {
      const { externalIds: ids, version: bodyVersion, ...input } = body;
      const version = bodyVersion ?? versionFrom(ctx.get('If-Match'));
      if (version === undefined) throw missingVersion();
      const scope = scopeOf(ctx.state);
      const updated = await contacts.update(scope, params.id, { ...input, version }, apiMeta(ctx));
      if (!ids) return updated;
      await externalIds.attach('contacts', new Types.ObjectId(params.id), ids);
      return contacts.get(scope, params.id);
    },
  );

  api.route(
    {
      method: 'put',
      path: '/contacts/by-external/:system/:externalId',
      resource: 'contacts',
      access: 'write',
      summary: 'Create or update the contact carrying this external id',
      params: externalParams,
      body: z.record(z.string(), z.unknown()),
      documentedBody: createBody,
      responses: { 201: { description: 'Created', schema: contactSchema }, 200: { description: 'Updated (or unchanged)', schema: contactSchema } },
    },
    async (ctx, { params, body }) => {
      const outcome = await upsertByExternal(externalIds, target(ctx, contacts), params, body, { locale: ctx.state.locale });
      ctx.status = outcome.status === 'created' ? 201 : 200;
      return outcome.record;
    },
  );

  api.route(
    {
      method: 'post',
      path: '/contacts/bulk',
      resource: 'contacts',
      access: 'write',
      summary: 'Upsert up to 1,000 contacts by external id',
      body: bulkBody,
      documentedBody: documentedBulk(createBody),
      responses: { 200: { description: 'One result per record', schema: bulkResultSchema } },
    },
    async (ctx, { body }) => ({ results: await bulkUpsert(externalIds, target(ctx, contacts), body.items, ctx.state.locale) }),
  );
}
