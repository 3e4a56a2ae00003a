import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { QualityFigures } from '../customers/customer.service.ts';

/** One owner's data-quality figures in one week, kept for the report's trend. */
export interface QualitySnapshot extends Omit<QualityFigures, 'ownerId' | 'departmentId'> {
  /** `${week}:${ownerId}` */
  _id: string;
  /** the Monday (Asia/Shanghai) the week starts on, YYYY-MM-DD */
  week: string;
  ownerId: Types.ObjectId;
  departmentId: Types.ObjectId | null;
}

const snapshotSchema = new Schema<QualitySnapshot>(
  {
    _id: { type: String, required: true },
    week: { type: String, required: true },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    departmentId: { type: Schema.Types.ObjectId, default: null },
    customers: Number,
    companies: Number,
    withPhone: Number,
    withRegion: Number,
    withIndustry: Number,
    withLevel: Number,
    withContact: Number,
    invalidPhones: Number,
    staleIncomplete: Number,
    possibleDuplicates: Number,
  },
  { versionKey: false },
);
// the trend under each scope: one's own, a department tree, everyone
snapshotSchema.index({ ownerId: 1, week: 1 });
snapshotSchema.index({ departmentId: 1, week: 1 });
snapshotSchema.index({ week: 1 });

export type QualitySnapshotModel = Model<QualitySnapshot>;

export function defineQualitySnapshotModel(connection: Connection): QualitySnapshotModel {
  return connection.model<QualitySnapshot>('QualitySnapshot', snapshotSchema, 'quality_snapshots');
}
