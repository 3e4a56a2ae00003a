// Daily rollups for reports: one document per day × person × measure × province, with the person's
// department path, so a director's year view reads a few thousand rows instead of every record.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export const measures = ['newCustomers', 'followUps', 'visits', 'signedFen', 'collectedFen', 'wonOpportunities', 'wonFen', 'stageMoves'] as const;
export type Measure = (typeof measures)[number];

export interface DailyStat {
  /** `${day}:${userId}:${measure}:${province}` */
  _id: string;
  day: string;
  userId: Types.ObjectId;
  /** the person's department and every one above it, at the time of the last write */
  departmentPath: Types.ObjectId[];
  province: string;
  measure: Measure;
  value: number;
}

const dailyStatSchema = new Schema<DailyStat>(
  {
    _id: { type: String, required: true },
    day: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    departmentPath: { type: [Schema.Types.ObjectId], default: [] },
    province: { type: String, default: '' },
    measure: { type: String, required: true },
    value: { type: Number, required: true },
  },
  { versionKey: false },
);
dailyStatSchema.index({ measure: 1, day: 1 });
// one day across everyone (today's numbers for directors and admins)
dailyStatSchema.index({ day: 1, measure: 1 });
dailyStatSchema.index({ userId: 1, measure: 1, day: 1 });
dailyStatSchema.index({ departmentPath: 1, measure: 1, day: 1 });

export type DailyStatModel = Model<DailyStat>;

export function defineDailyStatModel(connection: Connection): DailyStatModel {
  return connection.model<DailyStat>('DailyStat', dailyStatSchema, 'dailyStats');
}
