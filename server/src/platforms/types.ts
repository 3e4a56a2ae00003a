// The one interface every chat platform implements (WeCom, DingTalk, dev). The rest of the server
// never knows which one carries a card or brought an event.
import type { Card, CardOutcome } from '../../../bot-cards/index.ts';

export type PlatformName = 'wecom' | 'dingtalk' | 'dev';

/** Someone a card goes to: Kemai's user, and their id on the platform. */
export interface Recipient {
  userId: string;
  platformUserId: string;
  locale: 'zh-CN' | 'en';
}

/** What the platform returned for one recipient, kept so the card can be updated later. */
export interface DeliveryReceipt {
  userId: string;
  /** message id, WeCom response_code, DingTalk outTrackId or outbox id */
  ref: string;
  status: 'sent' | 'failed';
  error?: string;
  /** a failure worth trying again later (rate limited, network, platform busy) */
  retryable?: boolean;
}

export interface SentCard {
  userId: string;
  platformUserId: string;
  ref: string;
}

export interface OrgSnapshot {
  departments: { ref: string; name: string; parentRef: string | null }[];
  users: { ref: string; name: string; departmentRef: string | null; isManager: boolean; mobile?: string }[];
}

export interface ChatPlatform {
  readonly name: PlatformName;
  /** the platform user id behind a login code (WeCom OAuth code, DingTalk auth code) */
  identify(code: string): Promise<string>;
  syncOrganisation(): Promise<OrgSnapshot>;
  sendCard(recipients: Recipient[], card: Card): Promise<DeliveryReceipt[]>;
  /** replaces the buttons of these deliveries of one card with the outcome */
  updateCard(deliveries: SentCard[], card: Card, outcome: CardOutcome): Promise<void>;
}

/** Events from any platform, normalised. */
export type PlatformEvent =
  | { type: 'card.action'; key: string; platform: PlatformName; userId: string; cardId: string; action: string; params: Record<string, string> }
  | { type: 'bot.message'; key: string; platform: PlatformName; userId: string; text: string };
