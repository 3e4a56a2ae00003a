import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';

/** Money received (回款) against one instalment of a contract's payment plan. */
export interface Payment {
  _id: Types.ObjectId;
  contractId: Types.ObjectId;
  customerId: Types.ObjectId;
  instalmentId: Types.ObjectId;
  /** the contract's owner when the money came in: whose collection it counts for */
  ownerId: Types.ObjectId;
  amountFen: number;
  receivedOn: string;
  method: string;
  note?: string;
  recordedBy: Types.ObjectId;
  /** false until the contract's totals include it: a retry finishes what a crash cut short */
  applied: boolean;
  idempotencyKey?: string;
  /** the ids other systems (a finance system's receipt number) give the payment */
  externalIds?: ExternalIds;
  externalKeys?: string[];
  createdAt: Date;
}

const paymentSchema = new Schema<Payment>(
  {
    contractId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    instalmentId: { type: Schema.Types.ObjectId, required: true },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    amountFen: { type: Number, required: true },
    receivedOn: { type: String, required: true },
    method: { type: String, required: true },
    note: String,
    recordedBy: { type: Schema.Types.ObjectId, required: true },
    applied: { type: Boolean, default: false },
    idempotencyKey: String,
    ...externalIdFields,
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

paymentSchema.index({ contractId: 1, createdAt: -1 });
paymentSchema.index({ customerId: 1, createdAt: -1 });
// received per customer over a period (segments)
paymentSchema.index({ receivedOn: 1 });
paymentSchema.index({ idempotencyKey: 1 }, { unique: true, sparse: true });
declareExternalIdIndex(paymentSchema);

export type PaymentModel = Model<Payment>;

export function definePaymentModel(connection: Connection): PaymentModel {
  return connection.model<Payment>('Payment', paymentSchema, 'payments');
}
