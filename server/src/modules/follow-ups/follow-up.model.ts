import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { customerStages, type CustomerStage } from '../customers/customer.model.ts';

export interface FollowUp {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  contactId: Types.ObjectId | null;
  method: string;
  content: string;
  result?: string;
  nextStep?: string;
  nextFollowUpAt: Date | null;
  stageChange: { from: CustomerStage; to: CustomerStage } | null;
  location: { lat: number; lng: number; accuracy?: number; address?: string } | null;
  photoIds: Types.ObjectId[];
  /** when it happened (a visit logged in the evening happened in the afternoon) */
  at: Date;
  createdBy: Types.ObjectId;
  createdAt: Date;
  /** `${userId}:${client key}`: a retried POST finds the first record instead of writing a second */
  idempotencyKey?: string;
}

const followUpSchema = new Schema<FollowUp>(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    contactId: { type: Schema.Types.ObjectId, default: null },
    method: { type: String, required: true },
    content: { type: String, required: true, maxlength: 4000 },
    result: { type: String, maxlength: 2000 },
    nextStep: { type: String, maxlength: 1000 },
    nextFollowUpAt: { type: Date, default: null },
    stageChange: {
      type: new Schema({ from: { type: String, enum: customerStages }, to: { type: String, enum: customerStages } }, { _id: false }),
      default: null,
    },
    location: {
      type: new Schema({ lat: Number, lng: Number, accuracy: Number, address: String }, { _id: false }),
      default: null,
    },
    photoIds: { type: [Schema.Types.ObjectId], default: [] },
    at: { type: Date, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    idempotencyKey: { type: String, default: undefined },
  },
  { versionKey: false },
);

followUpSchema.index({ customerId: 1, at: -1, _id: -1 });
followUpSchema.index({ createdBy: 1, at: -1, _id: -1 });
followUpSchema.index({ idempotencyKey: 1 }, { unique: true, sparse: true });
// the follow-up-due rule (K6) scans by next follow-up time
followUpSchema.index({ nextFollowUpAt: 1 });

export type FollowUpModel = Model<FollowUp>;

export function defineFollowUpModel(connection: Connection): FollowUpModel {
  return connection.model<FollowUp>('FollowUp', followUpSchema, 'followUps');
}
