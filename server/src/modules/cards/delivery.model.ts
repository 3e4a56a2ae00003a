import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Card, CardOutcome } from '../../../../bot-cards/index.ts';

/** One card to one user on one platform, with what the platform returned to update it later. */
export interface Delivery {
  _id: Types.ObjectId;
  cardId: string;
  card: Card;
  platform: string;
  userId: Types.ObjectId;
  platformUserId: string;
  ref: string;
  status: 'sent' | 'failed' | 'updated';
  error?: string;
  outcome: CardOutcome | null;
  createdAt: Date;
}

const deliverySchema = new Schema<Delivery>(
  {
    cardId: { type: String, required: true },
    card: { type: Schema.Types.Mixed, required: true },
    platform: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    platformUserId: { type: String, required: true },
    ref: { type: String, default: '' },
    status: { type: String, required: true },
    error: String,
    outcome: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

deliverySchema.index({ cardId: 1, userId: 1 });
deliverySchema.index({ userId: 1, createdAt: -1 });
// the per-member send window (CardService.deliverDue)
deliverySchema.index({ platformUserId: 1, createdAt: 1 });
// a platform's callback names its copy of a card (DingTalk outTrackId)
deliverySchema.index({ platform: 1, ref: 1 });

export type DeliveryModel = Model<Delivery>;

export function defineDeliveryModel(connection: Connection): DeliveryModel {
  return connection.model<Delivery>('Delivery', deliverySchema, 'deliveries');
}
