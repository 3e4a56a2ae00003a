// /api/webhooks: subscriptions, their delivery log, redelivery and a test ping. Admins only
// (settings.manage, checked by the service).
import Router from '@koa/router';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { domainEventTypes } from '../../core/events.ts';
import type { KemaiState } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import { parseInput } from '../../core/http/validate.ts';
import { createWebhookBody, deliveriesQuery, updateWebhookBody } from './webhook.input.ts';
import type { WebhookService } from './webhook.service.ts';

export function webhookRoutes(webhooks: WebhookService): Router<KemaiState> {
  const router = new Router<KemaiState>();

  router.get('/webhooks', requireAuth(), async (ctx) => {
    ctx.body = await webhooks.list(scopeOf(ctx.state));
  });
  router.post('/webhooks', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('settings.manage'); // before the body is read: a rep learns nothing from validation
    const body = parseInput(createWebhookBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await webhooks.create(scope, body, requestMeta(ctx).client);
  });
  // the events a subscription may choose from, for the settings page
  router.get('/webhooks/events', requireAuth(), async (ctx) => {
    scopeOf(ctx.state).require('settings.manage');
    ctx.body = { items: domainEventTypes };
  });
  router.post('/webhooks/deliveries/:id/redeliver', requireAuth(), async (ctx) => {
    ctx.body = await webhooks.redeliver(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx).client);
  });
  router.get('/webhooks/:id', requireAuth(), async (ctx) => {
    ctx.body = await webhooks.get(scopeOf(ctx.state), ctx.params.id!);
  });
  router.patch('/webhooks/:id', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('settings.manage');
    const body = parseInput(updateWebhookBody, ctx.request.body, ctx.state.locale);
    ctx.body = await webhooks.update(scope, ctx.params.id!, body, requestMeta(ctx).client);
  });
  router.delete('/webhooks/:id', requireAuth(), async (ctx) => {
    await webhooks.remove(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx).client);
    ctx.status = 204;
  });
  router.get('/webhooks/:id/deliveries', requireAuth(), async (ctx) => {
    const scope = scopeOf(ctx.state);
    scope.require('settings.manage');
    const query = parseInput(deliveriesQuery, ctx.query, ctx.state.locale);
    ctx.body = await webhooks.deliveryLog(scope, ctx.params.id!, query);
  });
  router.post('/webhooks/:id/ping', requireAuth(), async (ctx) => {
    ctx.body = await webhooks.ping(scopeOf(ctx.state), ctx.params.id!, requestMeta(ctx).client);
  });

  return router;
}
