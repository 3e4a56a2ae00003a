import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** What a sales target (业绩目标) measures, per month. */
export const targetMetrics = ['signedFen', 'collectedFen', 'newCustomers', 'visits'] as const;
export type TargetMetric = (typeof targetMetrics)[number];
export type Metrics = Record<TargetMetric, number>;

export interface Target {
  _id: Types.ObjectId;
  subject: 'user' | 'department';
  subjectId: Types.ObjectId;
  /** YYYY-MM, a Shanghai calendar month */
  month: string;
  metrics: Metrics;
  setBy: Types.ObjectId;
  updatedAt: Date;
}

const targetSchema = new Schema<Target>(
  {
    subject: { type: String, required: true, enum: ['user', 'department'] },
    subjectId: { type: Schema.Types.ObjectId, required: true },
    month: { type: String, required: true },
    metrics: {
      signedFen: { type: Number, default: 0 },
      collectedFen: { type: Number, default: 0 },
      newCustomers: { type: Number, default: 0 },
      visits: { type: Number, default: 0 },
    },
    setBy: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);

targetSchema.index({ subject: 1, subjectId: 1, month: 1 }, { unique: true });

export type TargetModel = Model<Target>;

export function defineTargetModel(connection: Connection): TargetModel {
  return connection.model<Target>('Target', targetSchema, 'targets');
}
