import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';
import type { LineItem } from '../contracts/contract.model.ts';

export type OpportunityStatus = 'open' | 'won' | 'lost';

/** One move between stages: who, when, and how long the opportunity had spent in `from`. */
export interface StageMove {
  from: string | null;
  to: string;
  at: Date;
  by: Types.ObjectId;
  /** milliseconds in `from` before this move */
  spentMs: number;
}

export interface Opportunity {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  title: string;
  amountFen: number;
  expectedCloseOn: string | null;
  stageSetId: string;
  stage: string;
  /** the stage's win probability when it was entered (the set may change later) */
  probability: number;
  status: OpportunityStatus;
  lostReason: string | null;
  ownerId: Types.ObjectId;
  ownerDepartmentId: Types.ObjectId | null;
  products: LineItem[];
  nextStep: string | null;
  stageChangedAt: Date;
  history: StageMove[];
  /** the draft contract made when it was won */
  contractId: Types.ObjectId | null;
  version: number;
  /** ids in other systems (open API upserts), and their indexed mirror (see core/db/external-ids.ts) */
  externalIds?: ExternalIds;
  externalKeys?: string[];
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

const moveSchema = new Schema<StageMove>(
  { from: { type: String, default: null }, to: { type: String, required: true }, at: { type: Date, required: true }, by: { type: Schema.Types.ObjectId, required: true }, spentMs: { type: Number, required: true } },
  { _id: false },
);

const opportunitySchema = new Schema<Opportunity>(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    title: { type: String, required: true },
    amountFen: { type: Number, required: true },
    expectedCloseOn: { type: String, default: null },
    stageSetId: { type: String, required: true },
    stage: { type: String, required: true },
    probability: { type: Number, required: true },
    status: { type: String, required: true },
    lostReason: { type: String, default: null },
    ownerId: { type: Schema.Types.ObjectId, required: true },
    ownerDepartmentId: { type: Schema.Types.ObjectId, default: null },
    products: { type: [new Schema<LineItem>({ name: String, quantity: Number, unitPriceFen: Number, amountFen: Number }, { _id: false })], default: [] },
    nextStep: { type: String, default: null },
    stageChangedAt: { type: Date, required: true },
    history: { type: [moveSchema], default: [] },
    contractId: { type: Schema.Types.ObjectId, default: null },
    version: { type: Number, default: 1 },
    ...externalIdFields,
    createdBy: { type: Schema.Types.ObjectId, required: true },
    closedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);

opportunitySchema.index({ ownerId: 1, updatedAt: -1 });
// a leaving owner's open opportunities (handover)
opportunitySchema.index({ ownerId: 1, status: 1 });
opportunitySchema.index({ ownerDepartmentId: 1, updatedAt: -1 });
opportunitySchema.index({ updatedAt: -1 });
declareExternalIdIndex(opportunitySchema);
opportunitySchema.index({ customerId: 1, status: 1 });
// the follow-up rule: open opportunities whose stage has not moved since a cut-off
opportunitySchema.index({ status: 1, stageChangedAt: 1 });
opportunitySchema.index({ stageSetId: 1, status: 1 });

export type OpportunityModel = Model<Opportunity>;

export function defineOpportunityModel(connection: Connection): OpportunityModel {
  return connection.model<Opportunity>('Opportunity', opportunitySchema, 'opportunities');
}
