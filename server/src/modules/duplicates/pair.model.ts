import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Reason } from './score.ts';

export const pairStatuses = ['open', 'dismissed', 'merged', 'closed'] as const;
export type PairStatus = (typeof pairStatuses)[number];

/** Two stored customers the scan found to be one: a row of the managers' review queue. */
export interface DuplicatePair {
  _id: Types.ObjectId;
  /** the smaller id first, so a pair is stored once */
  a: Types.ObjectId;
  b: Types.ObjectId;
  score: number;
  reasons: Reason[];
  status: PairStatus;
  foundAt: Date;
  /** the last scan that found it */
  seenAt: Date;
  decidedBy?: Types.ObjectId;
  decidedAt?: Date;
}

const pairSchema = new Schema<DuplicatePair>(
  {
    a: { type: Schema.Types.ObjectId, required: true },
    b: { type: Schema.Types.ObjectId, required: true },
    score: { type: Number, required: true },
    reasons: { type: Schema.Types.Mixed, default: [] },
    status: { type: String, enum: pairStatuses, required: true },
    foundAt: { type: Date, required: true },
    seenAt: { type: Date, required: true },
    decidedBy: Schema.Types.ObjectId,
    decidedAt: Date,
  },
  { versionKey: false },
);
pairSchema.index({ a: 1, b: 1 }, { unique: true });
// the queue: open pairs, strongest first
pairSchema.index({ status: 1, score: -1, _id: 1 });
pairSchema.index({ b: 1, status: 1 });
pairSchema.index({ a: 1, status: 1 });
// pairs a scan no longer finds (the records changed) leave the queue
pairSchema.index({ status: 1, seenAt: 1 });
// duplicates left unreviewed for a week are flagged by the weekly cleaning
pairSchema.index({ status: 1, foundAt: 1 });

export type DuplicatePairModel = Model<DuplicatePair>;

export function defineDuplicatePairModel(connection: Connection): DuplicatePairModel {
  return connection.model<DuplicatePair>('DuplicatePair', pairSchema, 'duplicate_pairs');
}
