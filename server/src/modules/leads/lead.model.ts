// Leads (线索) as they arrive, the rules that hand them to reps, and the public forms that take them.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { z } from 'zod';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export const leadSources = ['h5', 'form', 'import', 'api'] as const;
export type LeadSource = (typeof leadSources)[number];

/** One lead as it came in, and what became of it. */
export interface LeadEntry {
  _id: Types.ObjectId;
  source: LeadSource;
  formId: Types.ObjectId | null;
  campaignId: Types.ObjectId | null;
  name: string;
  company: string | null;
  phone: string | null;
  email: string | null;
  notes: string | null;
  /** the customer it created, or the existing one it matched */
  customerId: Types.ObjectId;
  outcome: 'created' | 'attached';
  assignedTo: Types.ObjectId | null;
  /** which rule assigned it, or why nobody was: 'rule:<index>', 'self', 'owner', 'pool' */
  route: string;
  createdBy: Types.ObjectId | null;
  createdAt: Date;
}

const entrySchema = new Schema<LeadEntry>(
  {
    source: { type: String, required: true, enum: leadSources },
    formId: { type: Schema.Types.ObjectId, default: null },
    campaignId: { type: Schema.Types.ObjectId, default: null },
    name: { type: String, required: true },
    company: { type: String, default: null },
    phone: { type: String, default: null },
    email: { type: String, default: null },
    notes: { type: String, default: null },
    customerId: { type: Schema.Types.ObjectId, required: true },
    outcome: { type: String, required: true },
    assignedTo: { type: Schema.Types.ObjectId, default: null },
    route: { type: String, required: true },
    createdBy: { type: Schema.Types.ObjectId, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// the phone and email as the lead gave them, stored encrypted (the customer it became holds the indexes)
export const leadEncryptedPaths = ['phone', 'email'] as const;
encryptedFields(entrySchema, leadEncryptedPaths);
entrySchema.index({ createdAt: -1 });
entrySchema.index({ campaignId: 1, createdAt: -1 });
entrySchema.index({ assignedTo: 1, createdAt: -1 });
entrySchema.index({ customerId: 1, createdAt: -1 });

/** Ordered rules: the first that matches picks the team; no match or no free rep → the pool. */
export const assignmentRule = z
  .object({
    name: z.string().trim().min(1).max(40),
    /** empty lists match anything */
    provinces: z.array(z.string().max(30)).max(40).default([]),
    cities: z.array(z.string().max(30)).max(100).default([]),
    industries: z.array(z.string().max(50)).max(40).default([]),
    sources: z.array(z.enum(leadSources)).max(4).default([]),
    campaignIds: z.array(objectId).max(20).default([]),
    /** the team (a department and those below it) whose reps share these leads */
    departmentId: objectId,
  })
  .strict();
export const assignmentRulesBody = z.object({ rules: z.array(assignmentRule).max(50) }).strict();
export type AssignmentRule = z.infer<typeof assignmentRule>;

interface RuleSet {
  _id: string;
  rules: AssignmentRule[];
}
const ruleSetSchema = new Schema<RuleSet>({ _id: { type: String, required: true }, rules: { type: Schema.Types.Mixed, required: true } }, { versionKey: false });

export const formField = z.enum(['name', 'company', 'phone', 'email', 'province', 'city', 'industry', 'notes']);
export const leadFormBody = z
  .object({
    title: z.string().trim().min(1).max(40),
    intro: z.string().trim().max(300).default(''),
    fields: z.array(z.object({ key: formField, label: z.string().trim().min(1).max(20), required: z.boolean().default(false) }).strict()).min(1).max(10),
    campaignId: objectId.nullable().default(null),
    active: z.boolean().default(true),
  })
  .strict()
  .refine((form) => form.fields.some((f) => f.key === 'phone' || f.key === 'email'), { message: 'a form asks for a phone or an email' });
export type LeadFormInput = z.infer<typeof leadFormBody>;

export interface LeadForm extends Omit<LeadFormInput, 'campaignId'> {
  _id: Types.ObjectId;
  campaignId: Types.ObjectId | null;
  createdAt: Date;
}
const formSchema = new Schema<LeadForm>(
  {
    title: { type: String, required: true },
    intro: { type: String, default: '' },
    fields: { type: Schema.Types.Mixed, required: true },
    campaignId: { type: Schema.Types.ObjectId, default: null },
    active: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
formSchema.index({ createdAt: -1 });

export function defineLeadModels(connection: Connection) {
  return {
    leadEntries: connection.model<LeadEntry>('LeadEntry', entrySchema, 'leadEntries') as Model<LeadEntry>,
    leadRules: connection.model<RuleSet>('LeadRuleSet', ruleSetSchema, 'leadRules') as Model<RuleSet>,
    leadForms: connection.model<LeadForm>('LeadForm', formSchema, 'leadForms') as Model<LeadForm>,
  };
}
export type LeadModels = ReturnType<typeof defineLeadModels>;
