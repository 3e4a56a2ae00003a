import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createContactBody, updateContactBody, type ContactService } from './contact.service.ts';

export function contactRoutes(contacts: ContactService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/customers/:id/contacts', requireAuth(), async (ctx) => {
    ctx.body = await contacts.list(scopeOf(ctx.state), ctx.params.id!);
  });
  router.post('/customers/:id/contacts', requireAuth(), async (ctx) => {
    const input = parseInput(createContactBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await contacts.create(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.patch('/contacts/:id', requireAuth(), async (ctx) => {
    const input = parseInput(updateContactBody, ctx.request.body, ctx.state.locale);
    ctx.body = await contacts.update(scopeOf(ctx.state), ctx.params.id!, input, requestMeta(ctx));
  });
  router.delete('/contacts/:id', requireAuth(), async (ctx) => {
    await contacts.remove(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx));
    ctx.status = 204;
  });
  return router;
}
