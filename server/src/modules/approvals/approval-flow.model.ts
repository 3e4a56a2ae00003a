// Approval flows are data admins edit: for each amount band, the ordered steps a contract goes
// through. Approvers are named by rule and resolved from the organisation at submission time.
import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { roleKeyPattern } from '../../core/auth/permissions.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export const approverRule = z.discriminatedUnion('kind', [
  /** the nearest manager above the contract's owner */
  z.object({ kind: z.literal('manager') }).strict(),
  /** the nearest director above the owner (any director when none is above) */
  z.object({ kind: z.literal('director') }).strict(),
  /** everyone active with this role */
  z.object({ kind: z.literal('role'), role: z.string().regex(roleKeyPattern) }).strict(),
  /** these people (e.g. finance) */
  z.object({ kind: z.literal('users'), userIds: z.array(objectId).min(1).max(20) }).strict(),
]);

export const flowStep = z
  .object({
    name: z.string().trim().min(1).max(20),
    approvers: approverRule,
    /** any: one approver decides the step; all: each must approve */
    mode: z.enum(['any', 'all']).default('any'),
  })
  .strict();

export const flowBand = z
  .object({
    /** the band applies from this amount (inclusive, fen) up to the next band's */
    fromFen: z.number().int().min(0),
    steps: z.array(flowStep).min(1).max(6),
  })
  .strict();

export const approvalFlowBody = z
  .object({
    bands: z
      .array(flowBand)
      .min(1)
      .max(10)
      .refine((bands) => bands[0]?.fromFen === 0, { message: 'the first band must start at 0' })
      .refine((bands) => bands.every((b, i) => i === 0 || b.fromFen > bands[i - 1]!.fromFen), { message: 'bands must rise in amount' }),
  })
  .strict();

export type FlowStep = z.infer<typeof flowStep>;
export type ApprovalFlowInput = z.infer<typeof approvalFlowBody>;

export interface ApprovalFlow extends ApprovalFlowInput {
  /** what the flow approves; contracts today */
  _id: string;
  updatedAt: Date;
}

/** < 100,000: the manager; 100,000–1,000,000: manager then director; ≥ 1,000,000: then finance. */
export const defaultContractFlow: ApprovalFlowInput = {
  bands: [
    { fromFen: 0, steps: [{ name: '经理审批', approvers: { kind: 'manager' }, mode: 'any' }] },
    {
      fromFen: 100_000_00,
      steps: [
        { name: '经理审批', approvers: { kind: 'manager' }, mode: 'any' },
        { name: '总监审批', approvers: { kind: 'director' }, mode: 'any' },
      ],
    },
    {
      fromFen: 1_000_000_00,
      steps: [
        { name: '经理审批', approvers: { kind: 'manager' }, mode: 'any' },
        { name: '总监审批', approvers: { kind: 'director' }, mode: 'any' },
        // finance is whoever the company names; until then the administrators sign off
        { name: '财务审批', approvers: { kind: 'role', role: 'admin' }, mode: 'any' },
      ],
    },
  ],
};

const flowSchema = new Schema<ApprovalFlow>(
  { _id: { type: String, required: true }, bands: { type: Schema.Types.Mixed, required: true } },
  { timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);

export type ApprovalFlowModel = Model<ApprovalFlow>;

export function defineApprovalFlowModel(connection: Connection): ApprovalFlowModel {
  return connection.model<ApprovalFlow>('ApprovalFlow', flowSchema, 'approvalFlows');
}
