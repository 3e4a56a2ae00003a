import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';
import type { LineItem } from './contract.model.ts';

export const orderStatuses = ['pending', 'paid', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** A transaction (交易记录) with a customer, with or without a contract behind it. */
export interface Order {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  contractId: Types.ObjectId | null;
  items: LineItem[];
  amountFen: number;
  status: OrderStatus;
  paymentMethod: string | null;
  orderedOn: string;
  ownerId: Types.ObjectId;
  createdBy: Types.ObjectId;
  /** the ids other systems (an ERP, a shop) give the order, for upserts by external id */
  externalIds?: ExternalIds;
  externalKeys?: string[];
  /** `<user>:<key>` of the request that created it: a retry finds it instead of ordering twice */
  idempotencyKey?: string;
  createdAt: Date;
  updatedAt: Date;
}

const orderSchema = new Schema<Order>(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    contractId: { type: Schema.Types.ObjectId, default: null },
    items: { type: [new Schema<LineItem>({ name: String, quantity: Number, unitPriceFen: Number, amountFen: Number }, { _id: false })], default: [] },
    amountFen: { type: Number, required: true },
    status: { type: String, required: true, enum: orderStatuses },
    paymentMethod: { type: String, default: null },
    orderedOn: { type: String, required: true },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    ...externalIdFields,
    idempotencyKey: { type: String, default: undefined },
  },
  { timestamps: true, versionKey: false },
);

orderSchema.index({ customerId: 1, orderedOn: -1 });
// customers with recent orders (segments: "no order in N days")
orderSchema.index({ orderedOn: 1 });
orderSchema.index({ idempotencyKey: 1 }, { unique: true, sparse: true });
declareExternalIdIndex(orderSchema);

export type OrderModel = Model<Order>;

export function defineOrderModel(connection: Connection): OrderModel {
  return connection.model<Order>('Order', orderSchema, 'orders');
}
