import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A public pool (公海). The default pool takes every released customer without a department pool. */
export interface Pool {
  _id: Types.ObjectId;
  name: string;
  /** the department whose released customers land here, and whose members see it; null = company-wide */
  departmentId: Types.ObjectId | null;
  isDefault: boolean;
  createdAt: Date;
}

const poolSchema = new Schema<Pool>(
  {
    name: { type: String, required: true, trim: true, maxlength: 50 },
    departmentId: { type: Schema.Types.ObjectId, default: null },
    isDefault: { type: Boolean, default: false },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

poolSchema.index({ name: 1 }, { unique: true });
poolSchema.index({ departmentId: 1 });
poolSchema.index({ isDefault: 1 });

export type PoolModel = Model<Pool>;

export function definePoolModel(connection: Connection): PoolModel {
  return connection.model<Pool>('Pool', poolSchema, 'pools');
}
