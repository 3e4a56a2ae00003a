// Sending cards and acting on them, whatever the platform: every delivery is recorded so the card
// can be updated for all its recipients once someone acts.
import { Types } from 'mongoose';
import type { Card, CardOutcome } from '../../../../bot-cards/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { EventDispatcher } from '../../platforms/dispatcher.ts';
import type { ChatPlatform, DeliveryReceipt } from '../../platforms/types.ts';
import type { OrgService } from '../org/org.service.ts';
import type { Delivery, DeliveryModel } from './delivery.model.ts';

export class CardService {
  private readonly deps: { deliveries: DeliveryModel; platform: ChatPlatform; org: OrgService; clock: Clock; logger: Logger };

  constructor(deps: CardService['deps']) {
    this.deps = deps;
  }

  async send(card: Card, userIds: string[]): Promise<DeliveryReceipt[]> {
    const accounts = await this.deps.org.platformAccounts(userIds, this.deps.platform.name);
    const recipients = userIds
      .filter((id) => accounts.has(id))
      .map((id) => ({ userId: id, platformUserId: accounts.get(id)!, locale: 'zh-CN' as const }));
    if (recipients.length === 0) return [];
    const receipts = await this.deps.platform.sendCard(recipients, card);
    const createdAt = this.deps.clock.now();
    await this.deps.deliveries.insertMany(
      receipts.map((r) => ({
        cardId: card.id,
        card,
        platform: this.deps.platform.name,
        userId: new Types.ObjectId(r.userId),
        platformUserId: recipients.find((x) => x.userId === r.userId)!.platformUserId,
        ref: r.ref,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        outcome: null,
        createdAt,
      })),
    );
    return receipts;
  }

  /** Replaces the buttons of every copy of a card with the outcome (all its recipients see it). */
  async resolve(cardId: string, outcome: CardOutcome): Promise<void> {
    const deliveries = (await this.deps.deliveries.find({ cardId }).lean<Delivery[]>()).filter((d) => d.status === 'sent');
    if (deliveries.length === 0) return;
    try {
      await this.deps.platform.updateCard(
        deliveries.map((d) => ({ userId: d.userId.toHexString(), platformUserId: d.platformUserId, ref: d.ref })),
        deliveries[0]!.card,
        outcome,
      );
      await this.deps.deliveries.updateMany({ _id: { $in: deliveries.map((d) => d._id) } }, { $set: { status: 'updated', outcome } });
    } catch (error) {
      this.deps.logger.error({ err: error, cardId }, 'card update failed');
    }
  }

  /** Whether the user received the card (only recipients may act on it). */
  async received(cardId: string, userId: string): Promise<Delivery | null> {
    if (!Types.ObjectId.isValid(userId)) return null;
    return this.deps.deliveries.findOne({ cardId, userId: new Types.ObjectId(userId) }).lean<Delivery>();
  }

  /** Actions every alert card offers. Feature-specific actions (approve, reject) register their own. */
  registerActions(dispatcher: EventDispatcher): void {
    dispatcher.onCardAction('acknowledge', async (event) => {
      if (!(await this.received(event.cardId, event.userId))) return;
      const names = await this.deps.org.displayNames([event.userId]);
      await this.resolve(event.cardId, { text: `已处理 · ${names.get(event.userId) ?? ''}` });
    });
  }
}
