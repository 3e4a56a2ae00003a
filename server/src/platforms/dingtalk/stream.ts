// DingTalk Stream mode: robot messages and card clicks arrive over dingtalk-stream's WebSocket.
// Each frame is acknowledged only after the dispatcher has recorded its event, so a crash before
// the ack means DingTalk pushes it again, and the dispatcher's key makes the repeat a no-op.
import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from '../../core/logger.ts';
import type { OrgService } from '../../modules/org/org.service.ts';
import type { CardService } from '../../modules/cards/card.service.ts';
import type { EventDispatcher } from '../dispatcher.ts';
import { ackBody, clickReply, type ClickReply } from './click-reply.ts';
import type { DingTalkPlatform } from './dingtalk-platform.ts';

export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const TOPIC_CARD = '/v1.0/card/instances/callback';

/**
 * dingtalk-stream hard-codes the gateway URL; the gateway is configurable here (tests use a fake).
 * Its reconnect waits a fixed second whatever happens; here each failed attempt doubles the wait
 * (1 s up to 60 s, with jitter, so many servers do not return at once) and a good connection
 * resets it.
 */
class GatewayClient extends DWClient {
  private readonly gateway: string;
  private failures = 0;

  constructor(options: { clientId: string; clientSecret: string }, gateway: string) {
    super({ ...options, keepAlive: true });
    this.gateway = gateway;
  }

  override async getEndpoint(): Promise<this> {
    // every attempt passes here: the wait before the next one grows until one succeeds
    const wait = Math.min(60_000, 1_000 * 2 ** this.failures++);
    (this as unknown as { reconnectInterval: number }).reconnectInterval = Math.round(wait * (0.8 + Math.random() * 0.4));
    const response = await fetch(this.gateway, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ clientId: this.config.clientId, clientSecret: this.config.clientSecret, ua: 'kemai', subscriptions: this.config.subscriptions }),
    });
    if (!response.ok) throw new Error(`gateway answered ${response.status}`);
    const { endpoint, ticket } = (await response.json()) as { endpoint: string; ticket: string };
    (this as unknown as { dw_url: string }).dw_url = `${endpoint}?ticket=${encodeURIComponent(ticket)}`;
    return this;
  }

  async end(): Promise<void> {
    const socket = (this as unknown as { socket?: { readyState: number; once(event: 'close', listener: () => void): void } }).socket;
    const closed = socket && socket.readyState !== 3 ? new Promise<void>((resolve) => socket.once('close', () => resolve())) : Promise.resolve();
    this.disconnect();
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }

  /** Starts (again): the library forgets a stop only once a socket opens, so failures would not retry. */
  async begin(): Promise<void> {
    (this as unknown as { userDisconnect: boolean }).userDisconnect = false;
    this.failures = 0;
    await this.connect();
  }

  override async _connect(): Promise<void> {
    await super._connect();
    this.failures = 0;
    (this as unknown as { reconnectInterval: number }).reconnectInterval = 1_000;
  }
}

export class DingTalkStream {
  private readonly client: GatewayClient;
  private readonly deps: { dispatcher: EventDispatcher; org: OrgService; cards: CardService; platform: DingTalkPlatform; logger: Logger };

  constructor(options: { clientId: string; clientSecret: string; apiBase: string }, deps: DingTalkStream['deps']) {
    this.deps = deps;
    this.client = new GatewayClient(options, new URL('/v1.0/gateway/connections/open', options.apiBase).toString());
    // listeners before connect: the subscriptions go with the gateway request
    this.client.registerCallbackListener(TOPIC_ROBOT, (frame) => void this.receive(frame, async () => (await this.robot(frame), {})));
    this.client.registerCallbackListener(TOPIC_CARD, (frame) => void this.receive(frame, () => this.card(frame)));
  }

  get connected(): boolean {
    return this.client.connected;
  }

  async start(): Promise<void> {
    await this.client.begin();
  }

  /** Disconnects and waits for the socket to close, so a later start cannot race its close event. */
  async stop(): Promise<void> {
    await this.client.end();
  }

  /** `handle` returns the ack's body (a card update for clicks, empty otherwise). */
  private async receive(frame: DWClientDownStream, handle: () => Promise<Record<string, unknown>>): Promise<void> {
    try {
      const body = await handle();
      this.client.socketCallBackResponse(frame.headers.messageId, body);
    } catch (error) {
      // no ack: DingTalk pushes the frame again
      this.deps.logger.error({ err: error, topic: frame.headers.topic }, 'stream frame not handled');
    }
  }

  private async user(staffId: string): Promise<string | null> {
    return (await this.deps.org.findByPlatformAccount('dingtalk', staffId))?._id.toHexString() ?? null;
  }

  private async robot(frame: DWClientDownStream): Promise<void> {
    const data = JSON.parse(frame.data) as { msgId: string; senderStaffId: string; text?: { content?: string } };
    const userId = await this.user(data.senderStaffId);
    if (!userId) return;
    await this.deps.dispatcher.dispatch({ type: 'bot.message', key: `dingtalk:msg:${data.msgId}`, platform: 'dingtalk', userId, text: data.text?.content ?? '' });
  }

  private async card(frame: DWClientDownStream): Promise<Record<string, unknown>> {
    const data = JSON.parse(frame.data) as { outTrackId: string; userId: string; content?: string; value?: string };
    // the action sits in a JSON string inside the JSON (some versions call it value)
    const content = JSON.parse(data.content ?? data.value ?? '{}') as { cardPrivateData?: { actionIds?: string[]; params?: Record<string, string> } };
    const action = content.cardPrivateData?.params?.action ?? content.cardPrivateData?.actionIds?.[0];
    const userId = await this.user(data.userId);
    if (!action || !userId) return {};
    // outTrackId is `${card id}.${DingTalk user id}`
    const cardId = data.outTrackId.slice(0, data.outTrackId.lastIndexOf('.'));
    const reply: ClickReply = { outTrackId: data.outTrackId };
    const result = await clickReply.run(reply, () =>
      this.deps.dispatcher.dispatch({
        type: 'card.action',
        key: `dingtalk:${data.outTrackId}:${action}`,
        platform: 'dingtalk',
        userId,
        cardId,
        action,
        params: content.cardPrivateData?.params ?? {},
      }),
    );
    if (result === 'duplicate') {
      // the ack that carried the update may be the one that was lost: send the outcome again
      const delivery = await this.deps.cards.deliveryByRef('dingtalk', data.outTrackId);
      if (delivery?.outcome) reply.cardParamMap = this.deps.platform.outcomeParams(delivery.ref, delivery.card, delivery.outcome);
    }
    return ackBody(reply);
  }
}
