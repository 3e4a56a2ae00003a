import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Card, CardOutcome } from '../../../../bot-cards/index.ts';

/** A card the dev platform "sent": shown in the H5 Messages tab instead of a chat client. */
export interface OutboxEntry {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  card: Card;
  outcome: CardOutcome | null;
  createdAt: Date;
}

const outboxSchema = new Schema<OutboxEntry>(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    card: { type: Schema.Types.Mixed, required: true },
    outcome: { type: Schema.Types.Mixed, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

outboxSchema.index({ userId: 1, createdAt: -1, _id: -1 });
outboxSchema.index({ 'card.id': 1 });

export type OutboxModel = Model<OutboxEntry>;

export function defineOutboxModel(connection: Connection): OutboxModel {
  return connection.model<OutboxEntry>('OutboxEntry', outboxSchema, 'devOutbox');
}
