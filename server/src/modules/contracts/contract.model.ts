import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';

export const contractStatuses = ['draft', 'pending', 'approved', 'rejected', 'active', 'completed', 'terminated'] as const;
export type ContractStatus = (typeof contractStatuses)[number];

/** Money is kept in fen (integer) so sums never carry float error. Dates are Shanghai calendar days. */
export interface LineItem {
  name: string;
  quantity: number;
  unitPriceFen: number;
  amountFen: number;
}

export interface Instalment {
  _id: Types.ObjectId;
  /** 1-based position in the plan */
  no: number;
  dueOn: string;
  amountFen: number;
  receivedFen: number;
}

export interface Contract {
  _id: Types.ObjectId;
  number: string;
  customerId: Types.ObjectId;
  opportunityId: Types.ObjectId | null;
  title: string;
  amountFen: number;
  signedOn: string | null;
  startOn: string | null;
  endOn: string | null;
  ownerId: Types.ObjectId;
  ownerDepartmentId: Types.ObjectId | null;
  attachmentIds: Types.ObjectId[];
  items: LineItem[];
  plan: Instalment[];
  receivedFen: number;
  status: ContractStatus;
  /** the approval request under way or last decided */
  approvalId: Types.ObjectId | null;
  /** an amendment under approval; the contract changes only once it is approved */
  amendmentId: Types.ObjectId | null;
  /** everyone any approval of this contract was routed to: they may open it */
  approverIds: Types.ObjectId[];
  terminationReason?: string;
  /** when the owner was told the contract ends soon (once per contract) */
  endingAlertedAt?: Date | null;
  /** optimistic concurrency for edits */
  version: number;
  /** ids in other systems (open API upserts), and their indexed mirror (see core/db/external-ids.ts) */
  externalIds?: ExternalIds;
  externalKeys?: string[];
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const lineItemSchema = new Schema<LineItem>(
  { name: { type: String, required: true }, quantity: { type: Number, required: true }, unitPriceFen: { type: Number, required: true }, amountFen: { type: Number, required: true } },
  { _id: false },
);
const instalmentSchema = new Schema<Instalment>({
  no: { type: Number, required: true },
  dueOn: { type: String, required: true },
  amountFen: { type: Number, required: true },
  receivedFen: { type: Number, default: 0 },
});

const contractSchema = new Schema<Contract>(
  {
    number: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    opportunityId: { type: Schema.Types.ObjectId, default: null },
    title: { type: String, required: true },
    amountFen: { type: Number, required: true },
    signedOn: { type: String, default: null },
    startOn: { type: String, default: null },
    endOn: { type: String, default: null },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    ownerDepartmentId: { type: Schema.Types.ObjectId, default: null },
    attachmentIds: { type: [Schema.Types.ObjectId], default: [] },
    items: { type: [lineItemSchema], default: [] },
    plan: { type: [instalmentSchema], default: [] },
    receivedFen: { type: Number, default: 0 },
    status: { type: String, required: true, enum: contractStatuses },
    approvalId: { type: Schema.Types.ObjectId, default: null },
    amendmentId: { type: Schema.Types.ObjectId, default: null },
    approverIds: { type: [Schema.Types.ObjectId], default: [] },
    terminationReason: String,
    endingAlertedAt: { type: Date, default: null },
    version: { type: Number, default: 1 },
    ...externalIdFields,
    createdBy: { type: Schema.Types.ObjectId, required: true },
  },
  { timestamps: true, versionKey: false },
);

contractSchema.index({ number: 1 }, { unique: true });
declareExternalIdIndex(contractSchema);
contractSchema.index({ customerId: 1, createdAt: -1 });
contractSchema.index({ ownerId: 1, createdAt: -1 });
contractSchema.index({ ownerDepartmentId: 1, createdAt: -1 });
contractSchema.index({ approverIds: 1, createdAt: -1 });
contractSchema.index({ status: 1, createdAt: -1 });
contractSchema.index({ createdAt: -1 });
// overdue instalments and contracts ending soon (the payment rules)
contractSchema.index({ 'plan.dueOn': 1, status: 1 });
contractSchema.index({ endingAlertedAt: 1, status: 1, endOn: 1 });

export type ContractModel = Model<Contract>;

export function defineContractModel(connection: Connection): ContractModel {
  return connection.model<Contract>('Contract', contractSchema, 'contracts');
}
