import { Schema, type Connection, type Model } from 'mongoose';

/** Claims per rep per day; the counter is incremented under a precondition, so limits hold under races. */
export interface ClaimCounter {
  _id: string; // `${userId}:${yyyy-mm-dd}` in Asia/Shanghai
  count: number;
  day: string;
}

const claimCounterSchema = new Schema<ClaimCounter>(
  { _id: { type: String, required: true }, count: { type: Number, default: 0 }, day: { type: String, required: true } },
  { versionKey: false },
);
// old counters are deleted by day (TTL indexes never expire on the embedded engine)
claimCounterSchema.index({ day: 1 });

export type ClaimCounterModel = Model<ClaimCounter>;

export function defineClaimCounterModel(connection: Connection): ClaimCounterModel {
  return connection.model<ClaimCounter>('ClaimCounter', claimCounterSchema, 'claimCounters');
}
