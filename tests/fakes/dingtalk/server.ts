// A fake DingTalk on 127.0.0.1 (shared/platforms §2e–g): oapi gettoken and topapi endpoints with
// ?access_token=, api.dingtalk.com endpoints with x-acs-dingtalk-access-token, one-time auth codes,
// tokens expired on demand, a record of every card and message, and the Stream gateway: SYSTEM
// frames (CONNECTED, REGISTERED, ping), CALLBACK frames pushed again until acknowledged, acks that
// can be lost, and a connection that can drop.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { WebSocketServer, type WebSocket } from 'ws';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';

export class FakeDingTalk {
  baseUrl = '';
  gettokenCalls = 0;
  readonly cards: Record<string, any>[] = [];
  /** the next N card deliveries answer HTTP 503 with DingTalk's error body, delivering nothing */
  serverErrorNext = 0;
  readonly updates: Record<string, any>[] = [];
  readonly messages: Record<string, any>[] = [];
  readonly departments = [{ dept_id: 2, name: '华东大区', parent_id: 1 }];
  readonly users: Record<number, { userid: string; name: string; leader?: boolean; mobile?: string }[]> = {
    1: [],
    2: [
      { userid: 'manager001', name: '张伟', leader: true },
      { userid: 'rep001', name: '李娜' },
    ],
  };
  private readonly tokens = new Map<string, { expired: boolean }>();
  private readonly codes = new Map<string, { userid: string; used: boolean }>();
  private server: Server | null = null;
  private sockets = new WebSocketServer({ noServer: true });
  private socket: WebSocket | null = null;
  /** acks from the client, by messageId (§2e: code 200, data = JSON of {response}) */
  readonly acks = new Map<string, Record<string, any>>();
  subscriptions: { type: string; topic: string }[] = [];
  /** frames pushed but not acknowledged: sent again on the next connection, as DingTalk re-pushes */
  private readonly unacked = new Map<string, string>();
  connections = 0;
  /** when each gateway request came, and how many more to refuse (503) */
  readonly gatewayAttempts: number[] = [];
  refuseGateway = 0;
  /** SYSTEM ping frames sent, and the client's echoes of them, by messageId */
  private readonly pings = new Set<string>();
  readonly pongs = new Map<string, Record<string, any>>();
  /** acks to lose in transit (the client sent them; DingTalk never saw them) */
  private acksToLose = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  private readonly app: { clientId: string; clientSecret: string };
  private readonly options: { redeliverAfterMs: number };

  /** `redeliverAfterMs`: an unacknowledged CALLBACK frame is pushed again after this long (DingTalk: about 60 s) */
  constructor(app: { clientId: string; clientSecret: string }, options: { redeliverAfterMs?: number } = {}) {
    this.app = app;
    this.options = { redeliverAfterMs: options.redeliverAfterMs ?? 60_000 };
  }

  async start(): Promise<void> {
    const koa = new Koa();
    const router = new Router();
    const oapiToken = (ctx: Koa.Context) => {
      const token = this.tokens.get(String(ctx.query.access_token ?? ''));
      if (!token || token.expired) {
        ctx.body = { errcode: 40014, errmsg: '不合法的access_token' };
        return false;
      }
      return true;
    };
    const apiToken = (ctx: Koa.Context) => {
      const token = this.tokens.get(ctx.get('x-acs-dingtalk-access-token'));
      if (!token || token.expired) {
        ctx.status = 401;
        ctx.body = { code: 'InvalidAuthentication', message: '不合法的access_token' };
        return false;
      }
      return true;
    };
    router.get('/gettoken', (ctx) => {
      this.gettokenCalls++;
      if (ctx.query.appkey !== this.app.clientId || ctx.query.appsecret !== this.app.clientSecret) {
        ctx.body = { errcode: 40089, errmsg: '不合法的corpid或corpsecret' };
        return;
      }
      const token = randomBytes(16).toString('hex');
      this.tokens.set(token, { expired: false });
      ctx.body = { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 };
    });
    router.post('/topapi/v2/user/getuserinfo', (ctx) => {
      if (!oapiToken(ctx)) return;
      const code = this.codes.get(String((ctx.request.body as { code?: string }).code ?? ''));
      if (!code || code.used) {
        ctx.body = { errcode: 40078, errmsg: '不存在的临时授权码' };
        return;
      }
      code.used = true;
      ctx.body = { errcode: 0, errmsg: 'ok', result: { userid: code.userid, name: '', unionid: 'u' } };
    });
    router.post('/topapi/v2/department/listsub', (ctx) => {
      if (!oapiToken(ctx)) return;
      const parent = Number((ctx.request.body as { dept_id: number }).dept_id);
      ctx.body = { errcode: 0, errmsg: 'ok', result: this.departments.filter((d) => d.parent_id === parent) };
    });
    router.post('/topapi/v2/department/get', (ctx) => {
      if (!oapiToken(ctx)) return;
      ctx.body = { errcode: 0, errmsg: 'ok', result: { dept_id: 1, name: '总部' } };
    });
    router.post('/topapi/v2/user/list', (ctx) => {
      if (!oapiToken(ctx)) return;
      const dept = Number((ctx.request.body as { dept_id: number }).dept_id);
      ctx.body = { errcode: 0, errmsg: 'ok', result: { has_more: false, list: this.users[dept] ?? [] } };
    });
    router.post('/v1.0/card/instances/createAndDeliver', (ctx) => {
      if (!apiToken(ctx)) return;
      if (this.serverErrorNext > 0) {
        this.serverErrorNext--;
        ctx.status = 503;
        ctx.body = { code: 'ServiceUnavailable', message: 'the service is busy' };
        return;
      }
      const body = ctx.request.body as Record<string, any>;
      const params = body.cardData?.cardParamMap ?? {};
      if (Object.values(params).some((v) => typeof v !== 'string')) {
        ctx.status = 400;
        ctx.body = { code: 'InvalidParameter', message: 'cardParamMap values must be strings' };
        return;
      }
      this.cards.push(body);
      ctx.body = { success: true, result: { outTrackId: body.outTrackId, deliverResults: [{ spaceType: 'IM_ROBOT', spaceId: body.openSpaceId, success: true, carrierId: 'c1' }] } };
    });
    router.put('/v1.0/card/instances', (ctx) => {
      if (!apiToken(ctx)) return;
      this.updates.push(ctx.request.body as Record<string, any>);
      ctx.body = { success: true };
    });
    router.post('/v1.0/robot/oToMessages/batchSend', (ctx) => {
      if (!apiToken(ctx)) return;
      const body = ctx.request.body as Record<string, any>;
      if (body.userIds.length > 20) {
        ctx.status = 400;
        ctx.body = { code: 'InvalidParameter', message: 'at most 20 userIds' };
        return;
      }
      this.messages.push(body);
      ctx.body = { processQueryKey: randomBytes(8).toString('hex') };
    });
    router.post('/v1.0/gateway/connections/open', (ctx) => {
      this.gatewayAttempts.push(Date.now());
      if (this.refuseGateway > 0) {
        this.refuseGateway--;
        ctx.status = 503;
        ctx.body = { code: 'ServiceUnavailable', message: 'busy' };
        return;
      }
      const body = ctx.request.body as { clientId: string; clientSecret: string; subscriptions: { type: string; topic: string }[] };
      if (body.clientId !== this.app.clientId || body.clientSecret !== this.app.clientSecret) {
        ctx.status = 401;
        ctx.body = { code: 'InvalidClient', message: 'bad client' };
        return;
      }
      this.subscriptions = body.subscriptions;
      ctx.body = { endpoint: `${this.baseUrl.replace('http', 'ws')}/connect`, ticket: randomBytes(8).toString('hex') };
    });
    koa.use(bodyParser());
    koa.use(router.routes());
    this.server = createServer(koa.callback());
    this.server.on('upgrade', (request, socket, head) => {
      this.sockets.handleUpgrade(request, socket, head, (ws) => {
        this.socket = ws;
        this.connections++;
        ws.on('message', (raw) => {
          const message = JSON.parse(raw.toString()) as { headers?: { messageId?: string } };
          const id = message.headers?.messageId;
          if (!id) return;
          if (this.pings.has(id)) {
            this.pongs.set(id, message);
            return;
          }
          if (this.acksToLose > 0) {
            this.acksToLose--;
            return;
          }
          this.acks.set(id, message);
          this.unacked.delete(id);
        });
        ws.send(this.systemFrame('CONNECTED', {}));
        ws.send(this.systemFrame('REGISTERED', {}));
        for (const frame of this.unacked.values()) ws.send(frame);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  get streamConnected(): boolean {
    return this.socket?.readyState === 1;
  }

  /** Pushes a CALLBACK frame over the Stream connection (or when the client is back); returns its messageId. */
  push(topic: string, data: Record<string, unknown>, messageId = randomBytes(8).toString('hex')): string {
    const frame = JSON.stringify({
      specVersion: '1.0',
      type: 'CALLBACK',
      headers: { appId: 'app', connectionId: 'conn', contentType: 'application/json', messageId, time: String(Date.now()), topic },
      data: JSON.stringify(data),
    });
    this.unacked.set(messageId, frame);
    this.send(messageId, frame);
    return messageId;
  }

  /** Sends a frame now if connected, and again after the redelivery delay while it stays unacknowledged. */
  private send(messageId: string, frame: string): void {
    if (this.streamConnected) this.socket!.send(frame);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.unacked.has(messageId)) this.send(messageId, frame);
    }, this.options.redeliverAfterMs);
    timer.unref();
    this.timers.add(timer);
  }

  private systemFrame(topic: string, data: Record<string, unknown>, messageId = randomBytes(8).toString('hex')): string {
    return JSON.stringify({
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { appId: 'app', connectionId: 'conn', contentType: 'application/json', messageId, time: String(Date.now()), topic },
      data: JSON.stringify(data),
    });
  }

  /** A SYSTEM ping; the client must echo it (§2e). Returns its messageId. */
  ping(): string {
    const messageId = randomBytes(8).toString('hex');
    this.pings.add(messageId);
    this.socket?.send(this.systemFrame('ping', { opaque: messageId }, messageId));
    return messageId;
  }

  /** The next `count` acks are lost on the way, so their frames are pushed again. */
  loseAcks(count: number): void {
    this.acksToLose += count;
  }

  /** The gateway drops the connection, as it does on deploys. */
  dropConnection(): void {
    this.socket?.terminate();
    this.socket = null;
  }

  issueCode(userid: string): string {
    const code = randomBytes(12).toString('hex');
    this.codes.set(code, { userid, used: false });
    return code;
  }

  expireTokens(): void {
    for (const token of this.tokens.values()) token.expired = true;
  }
}
