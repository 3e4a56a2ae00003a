import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { segmentFilter } from '../segments/segment.model.ts';
import { tagGroupBody } from './tag-group.model.ts';
import { tagChangeBody, type TagService } from './tag.service.ts';

export function tagRoutes(tags: TagService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/tag-groups', requireAuth(), async (ctx) => {
    ctx.body = { items: (await tags.groups()).map((g) => ({ id: g._id, name: g.name, multi: g.multi, tags: g.tags })) };
  });
  router.put('/tag-groups/:id', requireAuth(), async (ctx) => {
    const input = parseInput(tagGroupBody, ctx.request.body, ctx.state.locale);
    const group = await tags.saveGroup(scopeOf(ctx.state), ctx.params.id!, input);
    ctx.body = { id: group._id, name: group.name, multi: group.multi, tags: group.tags };
  });
  router.get('/customers/:id/tags', requireAuth(), async (ctx) => {
    ctx.body = { items: await tags.history(scopeOf(ctx.state), ctx.params.id!) };
  });
  router.post('/customers/:id/tags', requireAuth(), async (ctx) => {
    const input = parseInput(tagChangeBody, ctx.request.body, ctx.state.locale);
    ctx.body = await tags.change(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx).client);
  });
  /** Tags every customer the list's filters match (the same vocabulary as segments, without transaction facts). */
  router.post('/customers/bulk-tags', requireAuth(), async (ctx) => {
    const input = parseInput(
      tagChangeBody.extend({ filter: segmentFilter.omit({ tagsAll: true, tagsAny: true, receivedAtLeast: true, noOrderForDays: true, onSiteWithinDays: true }).extend({ tag: z.string().max(30).optional() }) }),
      ctx.request.body,
      ctx.state.locale,
    );
    const { filter, ...change } = input;
    ctx.body = await tags.bulk(scopeOf(ctx.state), filter, change, requestMeta(ctx).client);
  });
  return router;
}
