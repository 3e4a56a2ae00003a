import Router from '@koa/router';
import { z } from 'zod';
import { requireAuth, scopeOf } from '../../core/auth/authenticator.ts';
import { registerMessages } from '../../core/i18n.ts';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import { campaignBody, inviteBody, messageBody, type CampaignService } from './campaign.service.ts';

registerMessages({
  'zh-CN': { 'error.campaign.noMail': '未配置邮件服务器（SMTP），不能发送邮件' },
  en: { 'error.campaign.noMail': 'No mail server (SMTP) is configured; emails cannot be sent' },
});

export function campaignRoutes(campaigns: CampaignService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/campaigns', requireAuth(), async (ctx) => {
    ctx.body = { items: await campaigns.list() };
  });
  router.post('/campaigns', requireAuth(), async (ctx) => {
    const input = parseInput(campaignBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await campaigns.create(scopeOf(ctx.state), input);
  });
  router.get('/campaigns/:id', requireAuth(), async (ctx) => {
    ctx.body = await campaigns.get(ctx.params.id!);
  });
  router.put('/campaigns/:id', requireAuth(), async (ctx) => {
    const input = parseInput(campaignBody, ctx.request.body, ctx.state.locale);
    ctx.body = await campaigns.update(scopeOf(ctx.state), ctx.params.id!, input);
  });
  router.get('/campaigns/:id/participants', requireAuth(), async (ctx) => {
    ctx.body = { items: await campaigns.participants(scopeOf(ctx.state), ctx.params.id!) };
  });
  router.post('/campaigns/:id/participants', requireAuth(), async (ctx) => {
    const input = parseInput(inviteBody, ctx.request.body, ctx.state.locale);
    ctx.body = await campaigns.invite(scopeOf(ctx.state), ctx.params.id!, input);
  });
  router.post('/campaigns/:id/participants/:customerId', requireAuth(), async (ctx) => {
    const input = parseInput(z.object({ status: z.enum(['registered', 'attended']) }).strict(), ctx.request.body, ctx.state.locale);
    ctx.body = await campaigns.mark(scopeOf(ctx.state), ctx.params.id!, ctx.params.customerId!, input.status);
  });
  router.post('/campaigns/:id/messages', requireAuth(), async (ctx) => {
    const input = parseInput(messageBody, ctx.request.body, ctx.state.locale);
    ctx.status = 201;
    ctx.body = await campaigns.message(scopeOf(ctx.state), ctx.params.id!, input);
  });
  router.get('/campaigns/:id/results', requireAuth(), async (ctx) => {
    // what a campaign won is management information, like the rankings
    campaigns.requireOrganiser(scopeOf(ctx.state));
    ctx.body = { ...(await campaigns.results(ctx.params.id!)), sends: await campaigns.sendStatus(ctx.params.id!) };
  });
  return router;
}

const page = (ctx: KemaiContext, status: number, text: string) => {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>客脉</title></head><body style="font:16px sans-serif;text-align:center;padding:60px 20px">${text}</body></html>`;
};

/** Public links in campaign emails: tracked clicks (/c/…) and unsubscribe (/u/…). */
export function campaignLinkRoutes(campaigns: CampaignService): Router<KemaiState> {
  const router = new Router<KemaiState>();
  router.get('/c/:token', async (ctx) => {
    const to = typeof ctx.query.to === 'string' ? ctx.query.to : '';
    const target = await campaigns.click(ctx.params.token!, to);
    if (!target) return page(ctx, 404, '<p>链接无效。</p>');
    ctx.redirect(target);
  });
  router.get('/u/:token', async (ctx) => {
    const done = await campaigns.unsubscribe(ctx.params.token!);
    page(ctx, done ? 200 : 404, done ? '<h1>已退订</h1><p>您将不再收到我们的营销邮件。</p>' : '<p>链接无效。</p>');
  });
  return router;
}
