// WeCom (企业微信) behind the platform interface: OAuth codes, org sync, template cards and their
// updates through the server API.
import { renderWeCom, weComButtonReplacement, type Card, type CardOutcome } from '../../../../bot-cards/index.ts';
import { AppError } from '../../core/errors.ts';
import type { ChatPlatform, DeliveryReceipt, OrgSnapshot, Recipient, SentCard } from '../types.ts';
import { WeComError, type WeComApi } from './api.ts';

/** rate limited (45009, 45033), system busy (-1), or no HTTP answer: try again later */
const transientErrors = new Set([-1, 45009, 45033]);
/** WeCom's longest duplicate check window (4 hours): longer than any retry of a card */
const duplicateCheckSeconds = 4 * 3600;

export interface WeComPlatformDeps {
  api: WeComApi;
  /** the H5 deep link for an app path, through WeCom sign-in */
  link: (path: string) => string;
}

export class WeComPlatform implements ChatPlatform {
  readonly name = 'wecom' as const;
  private readonly deps: WeComPlatformDeps;

  constructor(deps: WeComPlatformDeps) {
    this.deps = deps;
  }

  async identify(code: string): Promise<string> {
    try {
      const answer = await this.deps.api.call<{ userid?: string }>('/cgi-bin/auth/getuserinfo', { query: { code } });
      if (!answer.userid) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.platform.notMember' }); // an outsider: openid only
      return answer.userid;
    } catch (error) {
      if (error instanceof WeComError && error.errcode === 40029) throw new AppError('UNAUTHENTICATED', { messageKey: 'error.platform.badCode' });
      throw error;
    }
  }

  async syncOrganisation(): Promise<OrgSnapshot> {
    const { department } = await this.deps.api.call<{ department: { id: number; name: string; parentid: number }[] }>('/cgi-bin/department/list');
    const users = new Map<string, OrgSnapshot['users'][number]>();
    for (const dept of department) {
      const list = await this.deps.api.call<{ userlist: { userid: string; name: string; main_department?: number; department?: number[]; is_leader_in_dept?: number[]; status?: number; mobile?: string }[] }>(
        '/cgi-bin/user/list',
        { query: { department_id: String(dept.id) } },
      );
      for (const user of list.userlist) {
        if (user.status !== undefined && user.status !== 1) continue; // 1: active
        const main = user.main_department ?? user.department?.[0] ?? null;
        const index = user.department?.indexOf(main ?? -1) ?? -1;
        users.set(user.userid, {
          ref: user.userid,
          name: user.name,
          departmentRef: main === null ? null : String(main),
          isManager: index >= 0 && user.is_leader_in_dept?.[index] === 1,
          // only apps created before mid-2022 still receive mobiles; they link a person across platforms
          ...(user.mobile ? { mobile: user.mobile } : {}),
        });
      }
    }
    const known = new Set(department.map((d) => d.id));
    return {
      departments: department.map((d) => ({ ref: String(d.id), name: d.name, parentRef: known.has(d.parentid) ? String(d.parentid) : null })),
      users: [...users.values()],
    };
  }

  async sendCard(recipients: Recipient[], card: Card): Promise<DeliveryReceipt[]> {
    const receipts: DeliveryReceipt[] = [];
    for (const locale of ['zh-CN', 'en'] as const) {
      const group = recipients.filter((r) => r.locale === locale);
      if (group.length === 0) continue;
      try {
        const answer = await this.deps.api.call<{ msgid?: string; response_code?: string; invaliduser?: string }>('/cgi-bin/message/send', {
          body: {
            touser: group.map((r) => r.platformUserId).join('|'),
            msgtype: 'template_card',
            agentid: Number(this.deps.api.credentials.agentId),
            template_card: renderWeCom(card, { locale, link: this.deps.link }),
            // a retry after an answer lost on the way back is the same request: WeCom drops it
            // instead of showing the card twice (the same JSON within the interval is not resent)
            enable_duplicate_check: 1,
            duplicate_check_interval: duplicateCheckSeconds,
          },
        });
        const invalid = new Set((answer.invaliduser ?? '').split('|').filter(Boolean));
        for (const r of group) {
          receipts.push(
            invalid.has(r.platformUserId)
              ? { userId: r.userId, ref: '', status: 'failed', error: 'invaliduser' }
              : { userId: r.userId, ref: `${answer.msgid ?? ''}|${answer.response_code ?? ''}`, status: 'sent' },
          );
        }
      } catch (error) {
        const retryable = !(error instanceof WeComError) || transientErrors.has(error.errcode);
        for (const r of group) receipts.push({ userId: r.userId, ref: '', status: 'failed', error: (error as Error).message, retryable });
      }
    }
    return receipts;
  }

  /** One update per send: its response_code replaces the buttons for every listed recipient (once). */
  async updateCard(deliveries: SentCard[], _card: Card, outcome: CardOutcome): Promise<void> {
    const byCode = new Map<string, string[]>();
    for (const delivery of deliveries) {
      const code = delivery.ref.split('|')[1];
      if (!code) continue;
      byCode.set(code, [...(byCode.get(code) ?? []), delivery.platformUserId]);
    }
    for (const [code, userids] of byCode) {
      await this.deps.api.call('/cgi-bin/message/update_template_card', {
        body: { userids, agentid: Number(this.deps.api.credentials.agentId), response_code: code, button: weComButtonReplacement(outcome) },
      });
    }
  }
}
