// /api/v1 tags through TagService: the tag groups, and tagging a customer.
import { scopeOf } from '../../core/auth/authenticator.ts';
import { tagChangeBody, type TagService } from '../tags/tag.service.ts';
import { apiMeta } from './meta.ts';
import { z } from 'zod';
import { idParams, list, tagGroupSchema } from './schemas.ts';
import type { V1Api } from './v1-api.ts';

export function tagRoutesV1(api: V1Api, tags: TagService): void {
  api.route(
    { method: 'get', path: '/tag-groups', resource: 'tags', access: 'read', summary: 'The tag groups and their tags', responses: { 200: { description: 'The groups', schema: list(tagGroupSchema) } } },
    async () => ({ items: (await tags.groups()).map((g) => ({ id: g._id, name: g.name, multi: g.multi, tags: g.tags })) }),
  );

  api.route(
    {
      method: 'post',
      path: '/customers/:id/tags',
      resource: 'tags',
      access: 'write',
      summary: 'Add and remove tags of a customer',
      params: idParams,
      body: tagChangeBody,
      responses: { 200: { description: "The customer's tags after the change", schema: z.object({ tags: z.array(z.string()) }) } },
    },
    async (ctx, { params, body }) => tags.change(scopeOf(ctx.state), params.id, body, apiMeta(ctx).client),
  );
}
