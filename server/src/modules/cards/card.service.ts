// Sending cards and acting on them, whatever the platform: every delivery is recorded so the card
// can be updated for all its recipients once someone acts.
import type { Locks } from '../../core/db/locks.ts';
import { Types } from 'mongoose';
import type { Card, CardOutcome } from '../../../../bot-cards/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import type { EventDispatcher } from '../../platforms/dispatcher.ts';
import type { ChatPlatform } from '../../platforms/types.ts';
import type { OrgService } from '../org/org.service.ts';
import type { Delivery, DeliveryModel } from './delivery.model.ts';
import type { PendingCard, PendingCardModel } from './pending-card.model.ts';

/** WeCom: at most 30 messages a minute to one member per app; more are dropped silently there. */
export const sendLimit = { perMember: 30, windowMs: 60_000 };
const maxAttempts = 6;
const claimMs = 60_000;

export type SendStatus = { userId: string; status: 'sent' | 'failed' | 'queued' };

export class CardService {
  private readonly deps: {
    deliveries: DeliveryModel;
    pending: PendingCardModel;
    /** the configured platforms, in order of preference; the dev outbox alone when none is */
    platforms: ChatPlatform[];
    /** cards go to this platform for people linked to it; otherwise to the one each last used */
    prefer: string | null;
    org: OrgService;
    clock: Clock;
    logger: Logger;
    /** one process delivers at a time, so each member's per-minute limit holds across processes */
    locks: Locks;
  };

  constructor(deps: CardService['deps']) {
    this.deps = deps;
  }

  private platform(name: string): ChatPlatform | null {
    return this.deps.platforms.find((p) => p.name === name) ?? null;
  }

  /**
   * Sends a card to users, each once, on the platform that reaches them (OrgService.cardRoutes).
   * Every copy goes through a queue that spreads sends to stay under the platform's per-member
   * limit and retries transient failures, so nothing is dropped; what can go now goes at once.
   */
  async send(card: Card, userIds: string[]): Promise<SendStatus[]> {
    const routes = await this.deps.org.cardRoutes([...new Set(userIds)], this.deps.platforms.map((p) => p.name), this.deps.prefer);
    const now = this.deps.clock.now();
    const queued = [...new Set(userIds)]
      .filter((id) => routes.has(id))
      .map((id) => ({
        card,
        userId: new Types.ObjectId(id),
        platform: routes.get(id)!.platform,
        platformUserId: routes.get(id)!.platformUserId,
        notBefore: now,
        attempts: 0,
        claimedUntil: new Date(0),
        createdAt: now,
      }));
    if (queued.length === 0) return [];
    await this.deps.pending.insertMany(queued);
    await this.deliverDue();
    const delivered = await this.deps.deliveries.find({ cardId: card.id }, { userId: 1, status: 1 }).lean<Delivery[]>();
    const byUser = new Map(delivered.map((d) => [d.userId.toHexString(), d.status === 'failed' ? ('failed' as const) : ('sent' as const)]));
    return queued.map((q) => ({ userId: q.userId.toHexString(), status: byUser.get(q.userId.toHexString()) ?? 'queued' }));
  }

  /**
   * Sends what is due, within each member's limit; run after every send and by a job. The limit is
   * counted from the deliveries of the last minute, so two processes counting at once would each
   * spend the whole budget (and the platform silently drops the excess): one delivers at a time,
   * and a process that finds another at it leaves the queue to it.
   */
  async deliverDue(): Promise<{ sent: number; postponed: number; failed: number }> {
    return (await this.deps.locks.tryWith('cards.deliver', () => this.deliverDueAlone(), { ttlMs: 5 * 60_000, waitMs: 2_000 })) ?? { sent: 0, postponed: 0, failed: 0 };
  }

  private async deliverDueAlone(): Promise<{ sent: number; postponed: number; failed: number }> {
    const now = this.deps.clock.now();
    const counts = { sent: 0, postponed: 0, failed: 0 };
    const due = await this.deps.pending.find({ notBefore: { $lte: now } }).sort({ notBefore: 1, _id: 1 }).limit(500).lean<PendingCard[]>();
    const claimed: PendingCard[] = [];
    for (const item of due) {
      const mine = await this.deps.pending
        .findOneAndUpdate({ _id: item._id, claimedUntil: { $lt: now } }, { $set: { claimedUntil: new Date(now.getTime() + claimMs) } }, { returnDocument: 'after' })
        .lean<PendingCard>();
      if (mine) claimed.push(mine);
    }
    if (claimed.length === 0) return counts;

    // what each member received within the last minute decides how many more may go now
    const windowStart = new Date(now.getTime() - sendLimit.windowMs);
    const members = [...new Set(claimed.map((c) => c.platformUserId))];
    const recent = await this.deps.deliveries
      .find({ platformUserId: { $in: members }, createdAt: { $gt: windowStart } }, { platform: 1, platformUserId: 1, createdAt: 1 })
      .sort({ platformUserId: 1, createdAt: 1 })
      .lean<Delivery[]>();
    const member = (d: { platform: string; platformUserId: string }) => `${d.platform}:${d.platformUserId}`;
    const sentAt = new Map<string, Date[]>();
    for (const d of recent) sentAt.set(member(d), [...(sentAt.get(member(d)) ?? []), d.createdAt]);

    // one platform call per card and platform
    const byCard = new Map<string, PendingCard[]>();
    for (const item of claimed) {
      const times = sentAt.get(member(item)) ?? [];
      if (item.platform !== 'dev' && times.length >= sendLimit.perMember) {
        // the earliest moment a slot frees up in this member's window
        const slot = new Date(times[times.length - sendLimit.perMember]!.getTime() + sendLimit.windowMs);
        await this.deps.pending.updateOne({ _id: item._id }, { $set: { notBefore: slot, claimedUntil: new Date(0) } });
        counts.postponed++;
        continue;
      }
      times.push(now);
      sentAt.set(member(item), times);
      const batch = `${item.platform}\n${item.card.id}`;
      byCard.set(batch, [...(byCard.get(batch) ?? []), item]);
    }

    for (const items of byCard.values()) {
      const { card, platform } = items[0]!;
      const sender = this.platform(platform);
      const recipients = items.map((i) => ({ userId: i.userId.toHexString(), platformUserId: i.platformUserId, locale: 'zh-CN' as const }));
      // a copy queued for a platform taken out of the configuration since cannot go anywhere
      const receipts = sender
        ? await sender.sendCard(recipients, card)
        : recipients.map((r) => ({ userId: r.userId, ref: '', status: 'failed' as const, error: `platform ${platform} is not configured`, retryable: false }));
      for (const item of items) {
        const receipt = receipts.find((r) => r.userId === item.userId.toHexString()) ?? { status: 'failed' as const, ref: '', error: 'no receipt', retryable: true };
        if (receipt.status === 'failed' && receipt.retryable && item.attempts + 1 < maxAttempts) {
          const backoffMs = Math.min(10_000 * 2 ** item.attempts, 10 * 60_000);
          await this.deps.pending.updateOne(
            { _id: item._id },
            { $set: { notBefore: new Date(now.getTime() + backoffMs), claimedUntil: new Date(0), lastError: receipt.error }, $inc: { attempts: 1 } },
          );
          counts.postponed++;
          continue;
        }
        await this.deps.deliveries.create({
          cardId: card.id,
          card,
          platform,
          userId: item.userId,
          platformUserId: item.platformUserId,
          ref: receipt.ref,
          status: receipt.status,
          ...(receipt.error ? { error: receipt.error } : {}),
          outcome: null,
          createdAt: now,
        });
        await this.deps.pending.deleteOne({ _id: item._id });
        counts[receipt.status === 'sent' ? 'sent' : 'failed']++;
      }
    }
    return counts;
  }

  /** Replaces the buttons of every copy of a card with the outcome (all its recipients see it). */
  async resolve(cardId: string, outcome: CardOutcome): Promise<void> {
    const deliveries = (await this.deps.deliveries.find({ cardId }).lean<Delivery[]>()).filter((d) => d.status === 'sent');
    for (const platform of new Set(deliveries.map((d) => d.platform))) {
      const copies = deliveries.filter((d) => d.platform === platform);
      try {
        const updater = this.platform(platform);
        if (!updater) continue;
        await updater.updateCard(
          copies.map((d) => ({ userId: d.userId.toHexString(), platformUserId: d.platformUserId, ref: d.ref })),
          copies[0]!.card,
          outcome,
        );
        await this.deps.deliveries.updateMany({ _id: { $in: copies.map((d) => d._id) } }, { $set: { status: 'updated', outcome } });
      } catch (error) {
        this.deps.logger.error({ err: error, cardId, platform }, 'card update failed');
      }
    }
  }

  /** The copy a platform knows by this reference, with the outcome it shows (if acted on). */
  async deliveryByRef(platform: string, ref: string): Promise<Delivery | null> {
    return this.deps.deliveries.findOne({ platform, ref }).lean<Delivery>();
  }

  /** Where each card stands: queued (waiting for a send slot or a retry), sent, failed, or acted on. */
  async statusOf(cardIds: string[]): Promise<Map<string, { status: 'queued' | 'sent' | 'failed' | 'acted'; error?: string }>> {
    const [deliveries, pending] = await Promise.all([
      this.deps.deliveries.find({ cardId: { $in: cardIds } }, { cardId: 1, status: 1, error: 1 }).lean<Delivery[]>(),
      this.deps.pending.find({ 'card.id': { $in: cardIds } }, { 'card.id': 1, lastError: 1 }).lean<PendingCard[]>(),
    ]);
    const out = new Map<string, { status: 'queued' | 'sent' | 'failed' | 'acted'; error?: string }>();
    for (const d of deliveries) out.set(d.cardId, d.status === 'updated' ? { status: 'acted' } : d.status === 'failed' ? { status: 'failed', ...(d.error ? { error: d.error } : {}) } : { status: 'sent' });
    for (const p of pending) out.set(p.card.id, { status: 'queued', ...(p.lastError ? { error: p.lastError } : {}) });
    return out;
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
