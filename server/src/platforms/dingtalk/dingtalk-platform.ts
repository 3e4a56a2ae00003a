// DingTalk (钉钉) behind the platform interface: 免登 codes, org sync, interactive cards (or markdown
// robot messages when no card template is configured) and their updates.
import { cardView, renderDingTalk, type Card, type CardOutcome } from '../../../../bot-cards/index.ts';
import { AppError } from '../../core/errors.ts';
import type { ChatPlatform, DeliveryReceipt, OrgSnapshot, Recipient, SentCard } from '../types.ts';
import { DingTalkError, type DingTalkApi } from './api.ts';
import { clickReply } from './click-reply.ts';

/**
 * Links into the app that open inside the DingTalk client (its in-app browser, on PC in the side
 * panel), where the app signs itself in with 免登; a plain https link would open a browser outside.
 */
export function dingtalkLink(publicUrl: string): (path: string) => string {
  return (path) => `dingtalk://dingtalkclient/page/link?url=${encodeURIComponent(`${publicUrl}/#${path}`)}&pc_slide=true`;
}

/** batchSend takes at most 20 users a call */
const batchSize = 20;

export class DingTalkPlatform implements ChatPlatform {
  readonly name = 'dingtalk' as const;
  private readonly deps: {
    api: DingTalkApi;
    /** an app path as a link that opens inside the DingTalk client */
    link: (path: string) => string;
    cardTemplateId: string | null;
    /** templates per card kind, overriding cardTemplateId */
    cardTemplates: Record<string, string>;
  };

  constructor(deps: DingTalkPlatform['deps']) {
    this.deps = deps;
  }

  async identify(code: string): Promise<string> {
    try {
      const answer = await this.deps.api.oapi<{ result?: { userid?: string } }>('/topapi/v2/user/getuserinfo', { code });
      if (!answer.result?.userid) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.platform.notMember' });
      return answer.result.userid;
    } catch (error) {
      if (error instanceof DingTalkError) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.platform.badCode' });
      throw error;
    }
  }

  async syncOrganisation(): Promise<OrgSnapshot> {
    const departments: OrgSnapshot['departments'] = [{ ref: '1', name: '', parentRef: null }];
    const queue = ['1'];
    while (queue.length) {
      const parent = queue.shift()!;
      const answer = await this.deps.api.oapi<{ result: { dept_id: number; name: string; parent_id: number }[] }>('/topapi/v2/department/listsub', { dept_id: Number(parent) });
      for (const d of answer.result) {
        departments.push({ ref: String(d.dept_id), name: d.name, parentRef: String(d.parent_id) });
        queue.push(String(d.dept_id));
      }
    }
    const root = await this.deps.api.oapi<{ result: { name: string } }>('/topapi/v2/department/get', { dept_id: 1 }).catch(() => ({ result: { name: '总部' } }));
    departments[0]!.name = root.result.name;
    const users = new Map<string, OrgSnapshot['users'][number]>();
    for (const department of departments) {
      for (let cursor = 0, more = true; more; ) {
        const page = await this.deps.api.oapi<{ result: { has_more: boolean; next_cursor?: number; list: { userid: string; name: string; leader?: boolean; mobile?: string }[] } }>(
          '/topapi/v2/user/list',
          { dept_id: Number(department.ref), cursor, size: 100 },
        );
        for (const user of page.result.list) {
          if (users.has(user.userid)) continue;
          users.set(user.userid, { ref: user.userid, name: user.name, departmentRef: department.ref, isManager: user.leader === true, ...(user.mobile ? { mobile: user.mobile } : {}) });
        }
        more = page.result.has_more;
        cursor = page.result.next_cursor ?? 0;
      }
    }
    return { departments, users: [...users.values()] };
  }

  async sendCard(recipients: Recipient[], card: Card): Promise<DeliveryReceipt[]> {
    const template = this.deps.cardTemplates[card.data.kind] ?? this.deps.cardTemplateId;
    return template ? this.sendInteractive(recipients, card, template) : this.sendMarkdown(recipients, card);
  }

  /** One card instance per person, in their robot chat, calling back over Stream. */
  private async sendInteractive(recipients: Recipient[], card: Card, templateId: string): Promise<DeliveryReceipt[]> {
    const receipts: DeliveryReceipt[] = [];
    for (const r of recipients) {
      const outTrackId = `${card.id}.${r.platformUserId}`;
      try {
        const answer = await this.deps.api.api<{ success?: boolean; result?: { deliverResults?: { success: boolean; errorMsg?: string }[] } }>(
          'POST',
          '/v1.0/card/instances/createAndDeliver',
          {
            cardTemplateId: templateId,
            outTrackId,
            callbackType: 'STREAM',
            cardData: { cardParamMap: renderDingTalk({ ...card, id: outTrackId }, { locale: r.locale, link: this.deps.link }).cardParamMap },
            openSpaceId: `dtv1.card//IM_ROBOT.${r.platformUserId}`,
            userIdType: 1,
            imRobotOpenSpaceModel: { supportForward: false },
            imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.deps.api.credentials.robotCode },
          },
        );
        const delivered = answer.result?.deliverResults?.[0];
        receipts.push(delivered && !delivered.success ? { userId: r.userId, ref: outTrackId, status: 'failed', error: delivered.errorMsg ?? 'not delivered' } : { userId: r.userId, ref: outTrackId, status: 'sent' });
      } catch (error) {
        // a 5xx or a rate limit is DingTalk's trouble, not the card's: the card waits and goes again
        receipts.push({ userId: r.userId, ref: '', status: 'failed', error: (error as Error).message, retryable: !(error instanceof DingTalkError) || error.transient });
      }
    }
    return receipts;
  }

  /** Without a card template: a markdown robot message with the card's links, 20 people a call. */
  private async sendMarkdown(recipients: Recipient[], card: Card): Promise<DeliveryReceipt[]> {
    const receipts: DeliveryReceipt[] = [];
    const view = cardView(card, 'zh-CN');
    const text = [`#### ${view.title}`, view.description, ...view.lines.map((l) => (l.path ? `- [${l.text}](${this.deps.link(l.path)})` : `- ${l.text}`)), `[打开客脉](${this.deps.link(view.path)})`].join('\n\n');
    for (let i = 0; i < recipients.length; i += batchSize) {
      const group = recipients.slice(i, i + batchSize);
      try {
        const answer = await this.deps.api.api<{ processQueryKey?: string }>('POST', '/v1.0/robot/oToMessages/batchSend', {
          robotCode: this.deps.api.credentials.robotCode,
          userIds: group.map((r) => r.platformUserId),
          msgKey: 'sampleMarkdown',
          msgParam: JSON.stringify({ title: view.title, text }),
        });
        for (const r of group) receipts.push({ userId: r.userId, ref: `md:${answer.processQueryKey ?? ''}`, status: 'sent' });
      } catch (error) {
        for (const r of group) receipts.push({ userId: r.userId, ref: '', status: 'failed', error: (error as Error).message, retryable: !(error instanceof DingTalkError) || error.transient });
      }
    }
    return receipts;
  }

  /** The card data a copy shows once acted on. */
  outcomeParams(ref: string, card: Card, outcome: CardOutcome): Record<string, string> {
    return renderDingTalk({ ...card, id: ref }, { locale: 'zh-CN', link: this.deps.link, outcome }).cardParamMap;
  }

  /**
   * Interactive cards are updated in place; markdown messages cannot be. The copy whose click is
   * being handled is updated through the Stream acknowledgement (click-reply.ts), the rest by PUT.
   */
  async updateCard(deliveries: SentCard[], card: Card, outcome: CardOutcome): Promise<void> {
    const reply = clickReply.getStore();
    for (const delivery of deliveries) {
      if (!delivery.ref || delivery.ref.startsWith('md:')) continue;
      const cardParamMap = this.outcomeParams(delivery.ref, card, outcome);
      if (reply?.outTrackId === delivery.ref) {
        reply.cardParamMap = cardParamMap;
        continue;
      }
      await this.deps.api.api('PUT', '/v1.0/card/instances', {
        outTrackId: delivery.ref,
        cardData: { cardParamMap },
        cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
      });
    }
  }
}
