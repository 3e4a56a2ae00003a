// A fake WeCom server on 127.0.0.1 that follows the documented protocol (shared/platforms §1):
// tokens that expire (or are expired on demand), one-time OAuth codes, tickets, the org, template
// card sends with response codes that work once, the rate-limit errcode on demand, and encrypted
// callbacks posted to the server under test with @wecom/crypto.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { encrypt, getSignature } from '@wecom/crypto';

export interface FakeWeComOptions {
  corpId: string;
  agentId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
}

export interface SentMessage {
  body: Record<string, any>;
  msgid: string;
  responseCode: string | null;
}

export class FakeWeCom {
  readonly options: FakeWeComOptions;
  baseUrl = '';
  gettokenCalls = 0;
  jsapiTicket = 'fake-jsapi-ticket';
  agentTicket = 'fake-agent-ticket';
  readonly sent: SentMessage[] = [];
  readonly updates: Record<string, any>[] = [];
  readonly departments = [
    { id: 1, name: '总部', parentid: 0, order: 1 },
    { id: 2, name: '华东大区', parentid: 1, order: 1 },
  ];
  readonly users: { userid: string; name: string; department: number[]; main_department: number; is_leader_in_dept: number[]; status: number; mobile?: string }[] = [
    { userid: 'zhangwei', name: '张伟', department: [2], main_department: 2, is_leader_in_dept: [1], status: 1 },
    { userid: 'lina', name: '李娜', department: [2], main_department: 2, is_leader_in_dept: [0], status: 1 },
  ];
  /** the next N message/send calls answer 45009 (rate limited) */
  rateLimitNext = 0;
  /** the next N message/send calls answer HTTP 502 without sending anything */
  serverErrorNext = 0;
  /** the next N message/send calls send the message, then drop the connection before answering */
  dropAnswerNext = 0;
  /**
   * enable_duplicate_check (documented with message/send): the same request JSON again within
   * duplicate_check_interval seconds (1800 by default) is not delivered again
   */
  private readonly recentSends = new Map<string, { at: number; msgid: string; responseCode: string | null }>();
  private readonly tokens = new Map<string, { expiresAt: number }>();
  private readonly codes = new Map<string, { userid: string | null; expiresAt: number; used: boolean }>();
  private readonly responseCodes = new Map<string, { used: boolean }>();
  private server: Server | null = null;

  constructor(options: FakeWeComOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    const app = new Koa();
    const router = new Router();
    const withToken = async (ctx: Koa.Context, next: Koa.Next) => {
      const token = this.tokens.get(String(ctx.query.access_token ?? ''));
      if (!token) {
        ctx.body = { errcode: 40014, errmsg: 'invalid access_token' };
        return;
      }
      if (token.expiresAt <= Date.now()) {
        ctx.body = { errcode: 42001, errmsg: 'access_token expired, hint: [fake]' };
        return;
      }
      await next();
    };

    router.get('/cgi-bin/gettoken', (ctx) => {
      this.gettokenCalls++;
      if (ctx.query.corpid !== this.options.corpId || ctx.query.corpsecret !== this.options.secret) {
        ctx.body = { errcode: 40001, errmsg: 'invalid credential' };
        return;
      }
      const token = randomBytes(32).toString('hex');
      this.tokens.set(token, { expiresAt: Date.now() + 7200_000 });
      ctx.body = { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 };
    });
    router.get('/cgi-bin/auth/getuserinfo', withToken, (ctx) => {
      const code = this.codes.get(String(ctx.query.code ?? ''));
      if (!code || code.used || code.expiresAt <= Date.now()) {
        ctx.body = { errcode: 40029, errmsg: 'invalid code' };
        return;
      }
      code.used = true;
      ctx.body = code.userid ? { errcode: 0, errmsg: 'ok', userid: code.userid } : { errcode: 0, errmsg: 'ok', openid: 'o-outsider', external_userid: 'wm-outsider' };
    });
    router.get('/cgi-bin/get_jsapi_ticket', withToken, (ctx) => {
      ctx.body = { errcode: 0, errmsg: 'ok', ticket: this.jsapiTicket, expires_in: 7200 };
    });
    router.get('/cgi-bin/ticket/get', withToken, (ctx) => {
      ctx.body = ctx.query.type === 'agent_config' ? { errcode: 0, errmsg: 'ok', ticket: this.agentTicket, expires_in: 7200 } : { errcode: 40097, errmsg: 'invalid args' };
    });
    router.get('/cgi-bin/department/list', withToken, (ctx) => {
      ctx.body = { errcode: 0, errmsg: 'ok', department: this.departments };
    });
    router.get('/cgi-bin/user/list', withToken, (ctx) => {
      const id = Number(ctx.query.department_id);
      ctx.body = { errcode: 0, errmsg: 'ok', userlist: this.users.filter((u) => u.department.includes(id)) };
    });
    router.post('/cgi-bin/message/send', withToken, (ctx) => {
      if (this.serverErrorNext > 0) {
        this.serverErrorNext--;
        ctx.status = 502;
        ctx.body = 'Bad Gateway';
        return;
      }
      if (this.rateLimitNext > 0) {
        this.rateLimitNext--;
        ctx.body = { errcode: 45009, errmsg: 'reach max api daily quota limit' };
        return;
      }
      const body = ctx.request.body as Record<string, any>;
      const problem = checkTemplateCard(body, this.options.agentId);
      if (problem) {
        ctx.body = { errcode: 40058, errmsg: problem };
        return;
      }
      const known = new Set(this.users.map((u) => u.userid));
      const invalid = String(body.touser).split('|').filter((u) => !known.has(u));
      if (invalid.length === String(body.touser).split('|').length) {
        ctx.body = { errcode: 81013, errmsg: 'user & party & tag all invalid' };
        return;
      }
      const fingerprint = JSON.stringify(body);
      const earlier = this.recentSends.get(fingerprint);
      const intervalMs = Number(body.duplicate_check_interval ?? 1800) * 1000;
      if (body.enable_duplicate_check === 1 && earlier && Date.now() - earlier.at < intervalMs) {
        // received already: nobody gets it twice
        ctx.body = { errcode: 0, errmsg: 'ok', invaliduser: '', invalidparty: '', invalidtag: '', unlicenseduser: '', msgid: earlier.msgid, ...(earlier.responseCode ? { response_code: earlier.responseCode } : {}) };
        return;
      }
      const interactive = body.template_card.card_type === 'button_interaction';
      const responseCode = interactive ? randomBytes(12).toString('hex') : null;
      if (responseCode) this.responseCodes.set(responseCode, { used: false });
      const msgid = randomBytes(8).toString('hex');
      this.sent.push({ body, msgid, responseCode });
      this.recentSends.set(fingerprint, { at: Date.now(), msgid, responseCode });
      if (this.dropAnswerNext > 0) {
        this.dropAnswerNext--;
        ctx.respond = false;
        ctx.req.socket.destroy();
        return;
      }
      ctx.body = { errcode: 0, errmsg: 'ok', invaliduser: invalid.join('|'), invalidparty: '', invalidtag: '', unlicenseduser: '', msgid, ...(responseCode ? { response_code: responseCode } : {}) };
    });
    router.post('/cgi-bin/message/update_template_card', withToken, (ctx) => {
      const body = ctx.request.body as Record<string, any>;
      const code = this.responseCodes.get(String(body.response_code));
      if (!code || code.used) {
        ctx.body = { errcode: 40058, errmsg: 'invalid response_code' };
        return;
      }
      code.used = true; // each response_code works once
      this.updates.push(body);
      ctx.body = { errcode: 0, errmsg: 'ok' };
    });
    router.get('/connect/oauth2/authorize', (ctx) => {
      ctx.body = 'the WeCom client shows its sign-in here';
    });

    app.use(bodyParser());
    app.use(router.routes());
    this.server = createServer(app.callback());
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** A login code as WeCom hands it to the redirect: one use, five minutes; null user = outsider. */
  issueCode(userid: string | null): string {
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { userid, expiresAt: Date.now() + 5 * 60_000, used: false });
    return code;
  }

  /** WeCom may invalidate tokens early: every token issued so far stops working. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  /** Encrypts and signs a message the way WeCom does (§1c). */
  envelope(message: string, overrides: { timestamp?: string; nonce?: string; receiveId?: string; random?: Buffer } = {}) {
    const timestamp = overrides.timestamp ?? String(Math.floor(Date.now() / 1000));
    const nonce = overrides.nonce ?? randomBytes(8).toString('hex');
    const encrypted = encrypt(this.options.encodingAesKey, message, overrides.receiveId ?? this.options.corpId, overrides.random);
    const signature = getSignature(this.options.token, timestamp, nonce, encrypted);
    return { timestamp, nonce, encrypted, signature };
  }

  /** POSTs an encrypted callback to the server under test. */
  async postCallback(
    serverUrl: string,
    message: string,
    overrides: { timestamp?: string; nonce?: string; receiveId?: string; signature?: string } = {},
  ): Promise<Response> {
    const e = this.envelope(message, overrides);
    const query = new URLSearchParams({ msg_signature: overrides.signature ?? e.signature, timestamp: e.timestamp, nonce: e.nonce });
    const body = `<xml><ToUserName><![CDATA[${this.options.corpId}]]></ToUserName><AgentID><![CDATA[${this.options.agentId}]]></AgentID><Encrypt><![CDATA[${e.encrypted}]]></Encrypt></xml>`;
    return fetch(`${serverUrl}/api/platform/wecom/callback?${query}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
  }

  cardClick(fromUser: string, eventKey: string, taskId: string, createTime: number, responseCode = 'rc-click'): string {
    return `<xml><ToUserName><![CDATA[${this.options.corpId}]]></ToUserName><FromUserName><![CDATA[${fromUser}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey><TaskId><![CDATA[${taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[${responseCode}]]></ResponseCode><AgentID>${this.options.agentId}</AgentID></xml>`;
  }
}

/** The documented rules of a template_card send (WC/90236). */
function checkTemplateCard(body: Record<string, any>, agentId: string): string | null {
  if (String(body.agentid) !== agentId) return 'invalid agentid';
  if (body.msgtype !== 'template_card' || !body.template_card) return 'invalid msgtype';
  const card = body.template_card;
  if (!['text_notice', 'button_interaction'].includes(card.card_type)) return 'invalid card_type';
  if (!card.main_title?.title || !card.card_action?.url) return 'missing main_title or card_action';
  if (card.card_type === 'button_interaction') {
    if (!/^[0-9A-Za-z_\-@]{1,128}$/.test(card.task_id ?? '')) return 'invalid task_id';
    const buttons = card.button_list ?? [];
    if (buttons.length < 1 || buttons.length > 6) return 'invalid button_list size';
    for (const button of buttons as { type?: number; key?: string; url?: string }[]) {
      if ((button.type ?? 0) === 1 ? !button.url : !button.key) return 'button needs a key (callback) or a url (type 1)';
    }
    const keys = (buttons as { key?: string }[]).flatMap((b) => (b.key ? [b.key] : []));
    if (new Set(keys).size !== keys.length || keys.some((k: string) => Buffer.byteLength(k) > 1024)) return 'invalid button key';
  }
  return null;
}
