// The platform when no corporate credentials are configured: cards go to an outbox in the database,
// the H5 Messages tab shows them, and their buttons send the same card.action events a chat
// client would. The whole flow works on a laptop.
import { Types } from 'mongoose';
import type { Card, CardOutcome } from '../../../../bot-cards/index.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError } from '../../core/errors.ts';
import type { ChatPlatform, DeliveryReceipt, OrgSnapshot, Recipient, SentCard } from '../types.ts';
import type { OutboxModel } from './outbox.model.ts';

export class DevPlatform implements ChatPlatform {
  readonly name = 'dev' as const;
  private readonly deps: { outbox: OutboxModel; clock: Clock };

  constructor(deps: { outbox: OutboxModel; clock: Clock }) {
    this.deps = deps;
  }

  async identify(): Promise<string> {
    throw new AppError('UNAUTHENTICATED'); // dev users sign in with dev login
  }

  async syncOrganisation(): Promise<OrgSnapshot> {
    return { departments: [], users: [] }; // the demo organisation is seeded, not synced
  }

  async sendCard(recipients: Recipient[], card: Card): Promise<DeliveryReceipt[]> {
    const createdAt = this.deps.clock.now();
    const entries = recipients.map((r) => ({ _id: new Types.ObjectId(), userId: new Types.ObjectId(r.userId), card, outcome: null, createdAt }));
    if (entries.length) await this.deps.outbox.insertMany(entries);
    return entries.map((e) => ({ userId: e.userId.toHexString(), ref: e._id.toHexString(), status: 'sent' }));
  }

  async updateCard(deliveries: SentCard[], _card: Card, outcome: CardOutcome): Promise<void> {
    await this.deps.outbox.updateMany({ _id: { $in: deliveries.map((d) => new Types.ObjectId(d.ref)) } }, { $set: { outcome } });
  }
}
