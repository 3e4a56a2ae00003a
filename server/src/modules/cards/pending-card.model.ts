import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Card } from '../../../../bot-cards/index.ts';

/** A card waiting to go to one person: spread to respect platform send limits, retried on failure. */
export interface PendingCard {
  _id: Types.ObjectId;
  card: Card;
  userId: Types.ObjectId;
  /** the platform this copy goes through, chosen when it was queued */
  platform: string;
  platformUserId: string;
  notBefore: Date;
  attempts: number;
  lastError?: string;
  /** a sender holds the item until then (several processes share the queue) */
  claimedUntil: Date;
  createdAt: Date;
}

const pendingCardSchema = new Schema<PendingCard>(
  {
    card: { type: Schema.Types.Mixed, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    platform: { type: String, required: true },
    platformUserId: { type: String, required: true },
    notBefore: { type: Date, required: true },
    attempts: { type: Number, default: 0 },
    lastError: String,
    claimedUntil: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

pendingCardSchema.index({ notBefore: 1, _id: 1 });
pendingCardSchema.index({ 'card.id': 1 });

export type PendingCardModel = Model<PendingCard>;

export function definePendingCardModel(connection: Connection): PendingCardModel {
  return connection.model<PendingCard>('PendingCard', pendingCardSchema, 'pendingCards');
}
