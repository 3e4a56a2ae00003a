import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** One owner's data-quality figures in one week, kept for the report's trend. */
export interface QualitySnapshot {
  /** `${week}:${ownerId}` */
  _id: string;
  /** the Monday (Asia/Shanghai) the week starts on, YYYY-MM-DD */
  week: string;
  ownerId: Types.ObjectId;
  departmentId: Types.ObjectId | null;
  customers: number;
  companies: number;
  withPhone: number;
  withRegion: number;
  withIndustry: number;
  withLevel: number;
  withContact: number;
  invalidPhones: number;
  staleIncomplete: number;
  possibleDuplicates: number;
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
