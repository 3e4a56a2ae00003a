// WeCom's doors into Kemai: sign-in (OAuth2 inside the WeCom client), JS-SDK signatures for the H5
// app, and the encrypted callback that brings card clicks and bot messages.
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { getJsApiSignature } from '@wecom/crypto';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { requireAuth, sessionCookie } from '../../core/auth/authenticator.ts';
import { AppError } from '../../core/errors.ts';
import type { KemaiContext, KemaiState } from '../../core/http/context.ts';
import { parseInput } from '../../core/http/validate.ts';
import type { Logger } from '../../core/logger.ts';
import type { AuthService } from '../../modules/auth/auth.service.ts';
import type { OrgService } from '../../modules/org/org.service.ts';
import type { EventDispatcher } from '../dispatcher.ts';
import type { WeComApi } from './api.ts';
import { CallbackRejected, type CallbackGuard } from './callback-guard.ts';
import type { OAuthStateModel } from './oauth-state.model.ts';
import type { WeComPlatform } from './wecom-platform.ts';
import { parseWeComKey } from '../../../../bot-cards/index.ts';

export interface WeComRoutesDeps {
  api: WeComApi;
  platform: WeComPlatform;
  guard: CallbackGuard;
  states: OAuthStateModel;
  auth: AuthService;
  org: OrgService;
  dispatcher: EventDispatcher;
  logger: Logger;
  publicUrl: string;
  oauthBase: string;
}

/** Only the app's own client-side routes may be landed on after sign-in (no open redirect). */
const appRoute = /^#\/[A-Za-z0-9/_\-?=&.%]*$/;
const maxCallbackBytes = 64 * 1024;

async function readRawBody(ctx: KemaiContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxCallbackBytes) throw new AppError('VALIDATION', { status: 413, messageKey: 'error.body.tooLarge' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const xml = new XMLParser({ parseTagValue: false, trimValues: true, processEntities: false });

export function wecomRoutes(deps: WeComRoutesDeps): Router<KemaiState> {
  const router = new Router<KemaiState>({ prefix: '/platform/wecom' });
  const log = deps.logger.child({ platform: 'wecom' });

  router.get('/login', async (ctx) => {
    const redirect = typeof ctx.query.redirect === 'string' && appRoute.test(ctx.query.redirect) ? ctx.query.redirect : '#/';
    const state = randomBytes(16).toString('hex');
    await deps.states.create({ _id: state, redirect, expiresAt: new Date(Date.now() + 10 * 60_000) });
    const authorize = new URL('/connect/oauth2/authorize', deps.oauthBase);
    authorize.searchParams.set('appid', deps.api.credentials.corpId);
    authorize.searchParams.set('redirect_uri', `${deps.publicUrl}/api/platform/wecom/oauth-callback`);
    authorize.searchParams.set('response_type', 'code');
    authorize.searchParams.set('scope', 'snsapi_base');
    authorize.searchParams.set('state', state);
    authorize.searchParams.set('agentid', deps.api.credentials.agentId);
    ctx.redirect(`${authorize.toString()}#wechat_redirect`);
  });

  router.get('/oauth-callback', async (ctx) => {
    const { code, state } = parseInput(z.object({ code: z.string().min(1).max(512), state: z.string().regex(/^[a-f0-9]{32}$/) }).strict(), ctx.query, ctx.state.locale);
    // single use: the state is taken, whatever happens next
    const pending = await deps.states.findOneAndDelete({ _id: state, expiresAt: { $gt: new Date() } }).lean();
    if (!pending) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.platform.badState' });
    const wecomUserId = await deps.platform.identify(code);
    const user = await deps.org.findByPlatformAccount('wecom', wecomUserId);
    if (!user) {
      ctx.status = 403;
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>客脉</title><p style="font:16px sans-serif;padding:24px">你还不在客脉的组织中，请联系管理员同步通讯录后再试。</p>';
      return;
    }
    // cards follow the user to the platform they use
    await deps.org.markPlatformUsed(user._id.toHexString(), 'wecom');
    const session = await deps.auth.openSession(user, 'wecom', ctx.get('User-Agent'));
    ctx.cookies.set(sessionCookie, session.token, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, expires: session.expiresAt, overwrite: true });
    ctx.redirect(`/${pending.redirect}`);
  });

  router.get('/jssdk-signature', requireAuth(), async (ctx) => {
    const { url } = parseInput(z.object({ url: z.url().max(2000) }).strict(), ctx.query, ctx.state.locale);
    const page = url.split('#')[0]!;
    if (new URL(page).origin !== new URL(deps.publicUrl).origin) throw new AppError('VALIDATION', { details: [{ path: 'url', message: 'not this app' }] });
    const [jsapi, agent] = await Promise.all([deps.api.ticket('jsapi'), deps.api.ticket('agent_config')]);
    ctx.body = {
      corpId: deps.api.credentials.corpId,
      agentId: deps.api.credentials.agentId,
      config: getJsApiSignature({ url: page, ticket: jsapi }),
      agentConfig: getJsApiSignature({ url: page, ticket: agent }),
    };
  });

  // URL verification: answer the decrypted echostr, exactly
  router.get('/callback', async (ctx) => {
    try {
      const echostr = typeof ctx.query.echostr === 'string' ? ctx.query.echostr : '';
      ctx.type = 'text/plain';
      ctx.body = deps.guard.open(ctx.query as Record<string, string>, echostr);
    } catch (error) {
      if (!(error instanceof CallbackRejected)) throw error;
      log.warn({ reason: error.reason }, 'callback verification refused');
      ctx.status = 403;
      ctx.body = '';
    }
  });

  router.post('/callback', async (ctx) => {
    let message: string;
    try {
      const envelope = xml.parse(await readRawBody(ctx)) as { xml?: { Encrypt?: string } };
      message = await deps.guard.openMessage(ctx.query as Record<string, string>, envelope.xml?.Encrypt ?? '');
    } catch (error) {
      if (!(error instanceof CallbackRejected)) throw error;
      log.warn({ reason: error.reason }, 'callback refused');
      ctx.status = 403;
      ctx.body = '';
      return;
    }
    // acknowledge at once (WeCom retries after 5 s); act after answering
    ctx.status = 200;
    ctx.body = '';
    const event = (xml.parse(message) as { xml: Record<string, string> }).xml;
    setImmediate(() => void handle(event).catch((error: unknown) => log.error({ err: error }, 'callback handling failed')));
  });

  async function handle(event: Record<string, string>): Promise<void> {
    const user = await deps.org.findByPlatformAccount('wecom', String(event.FromUserName ?? ''));
    if (!user) return;
    const userId = user._id.toHexString();
    if (event.MsgType === 'event' && event.Event === 'template_card_event') {
      const parsed = parseWeComKey(String(event.EventKey ?? ''));
      const cardId = String(event.TaskId ?? parsed?.cardId ?? '');
      if (!parsed || !cardId) return;
      await deps.dispatcher.dispatch({
        type: 'card.action',
        key: `wecom:${event.FromUserName}:${event.CreateTime}:${cardId}:${event.EventKey}`,
        platform: 'wecom',
        userId,
        cardId,
        action: parsed.action,
        params: { responseCode: String(event.ResponseCode ?? '') },
      });
    } else if (event.MsgType === 'text') {
      await deps.dispatcher.dispatch({
        type: 'bot.message',
        key: `wecom:msg:${event.MsgId ?? `${event.FromUserName}:${event.CreateTime}`}`,
        platform: 'wecom',
        userId,
        text: String(event.Content ?? ''),
      });
    }
  }

  return router;
}
