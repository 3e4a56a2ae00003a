// One approval request: a contract's journey through its flow's steps, with every decision.
import { Schema, type Connection, type Model, type Types } from 'mongoose';

export type Decision = 'approve' | 'reject';

export interface StepDecision {
  userId: Types.ObjectId;
  decision: Decision;
  comment: string | null;
  at: Date;
  /** where the decision was made: app, wecom, dingtalk, dev */
  via: string;
}

export interface ApprovalStep {
  name: string;
  mode: 'any' | 'all';
  approverIds: Types.ObjectId[];
  status: 'waiting' | 'pending' | 'approved' | 'rejected';
  decisions: StepDecision[];
  /** approvers who were away at submission, and who approves in their place */
  delegations: { from: Types.ObjectId; to: Types.ObjectId }[];
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

/** What an amendment changes on an approved contract, applied once it is approved. */
export interface AmendmentChanges {
  title?: string;
  endOn?: string | null;
  amountFen?: number;
  /** the whole new plan; instalments keep their ids (and what was received on them) */
  plan?: { _id: Types.ObjectId; dueOn: string; amountFen: number }[];
  reason: string;
}

export interface ApprovalRequest {
  _id: Types.ObjectId;
  /** a contract's first approval, or an amendment of an approved one */
  kind: 'contract' | 'amendment';
  changes: AmendmentChanges | null;
  contractId: Types.ObjectId;
  customerId: Types.ObjectId;
  submitterId: Types.ObjectId;
  /** what was submitted, so the trail shows what each approver saw */
  snapshot: { number: string; title: string; amountFen: number; customerName: string };
  steps: ApprovalStep[];
  currentStep: number;
  status: ApprovalStatus;
  /** who may decide now (the current step's approvers yet to decide): the 待我审批 inbox */
  pendingApproverIds: Types.ObjectId[];
  /** who decided anything: the 已处理 inbox */
  deciderIds: Types.ObjectId[];
  /** bumped by every change; each decision is written under the revision it read */
  revision: number;
  createdAt: Date;
  decidedAt: Date | null;
}

const decisionSchema = new Schema<StepDecision>(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    decision: { type: String, required: true },
    comment: { type: String, default: null },
    at: { type: Date, required: true },
    via: { type: String, required: true },
  },
  { _id: false },
);
const stepSchema = new Schema<ApprovalStep>(
  {
    name: { type: String, required: true },
    mode: { type: String, required: true },
    approverIds: { type: [Schema.Types.ObjectId], required: true },
    status: { type: String, required: true },
    decisions: { type: [decisionSchema], default: [] },
    delegations: { type: [new Schema({ from: Schema.Types.ObjectId, to: Schema.Types.ObjectId }, { _id: false })], default: [] },
  },
  { _id: false },
);

const approvalSchema = new Schema<ApprovalRequest>(
  {
    kind: { type: String, default: 'contract' },
    changes: { type: Schema.Types.Mixed, default: null },
    contractId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    submitterId: { type: Schema.Types.ObjectId, required: true },
    snapshot: { type: Schema.Types.Mixed, required: true },
    steps: { type: [stepSchema], required: true },
    currentStep: { type: Number, required: true },
    status: { type: String, required: true },
    pendingApproverIds: { type: [Schema.Types.ObjectId], default: [] },
    deciderIds: { type: [Schema.Types.ObjectId], default: [] },
    revision: { type: Number, default: 0 },
    createdAt: { type: Date, required: true },
    decidedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

approvalSchema.index({ pendingApproverIds: 1, createdAt: -1 });
approvalSchema.index({ submitterId: 1, createdAt: -1 });
approvalSchema.index({ deciderIds: 1, createdAt: -1 });
approvalSchema.index({ contractId: 1, createdAt: -1 });
// a leaver's handover finds the requests they are named to approve
approvalSchema.index({ 'steps.approverIds': 1, status: 1 });
// a customer merge moves a customer's approvals
approvalSchema.index({ customerId: 1 });

export type ApprovalModel = Model<ApprovalRequest>;

export function defineApprovalModel(connection: Connection): ApprovalModel {
  return connection.model<ApprovalRequest>('Approval', approvalSchema, 'approvals');
}
