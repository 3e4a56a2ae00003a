import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';

export const customerTypes = ['company', 'person'] as const;
export const customerStages = ['lead', 'prospect', 'customer', 'lost'] as const;
export type CustomerType = (typeof customerTypes)[number];
export type CustomerStage = (typeof customerStages)[number];

/** Key fields a customer may be saved without; listed as 待补充 until filled. */
export const completableFields = ['phone', 'region', 'industry', 'contact', 'level'] as const;
export type CompletableField = (typeof completableFields)[number];

export interface Customer {
  _id: Types.ObjectId;
  type: CustomerType;
  name: string;
  industry?: string;
  scale?: string;
  level?: string;
  source: string;
  stage: CustomerStage;
  region?: { province: string; city?: string; district?: string };
  address?: string;
  phones: string[];
  email?: string;
  website?: string;
  tags: string[];
  birthday?: Date;
  /** MM-DD of the birthday, for birthday reminders */
  birthdayKey?: string;
  notes?: string;
  /** yearly purchase volume in fen, as imported lists carry it (年采购额) */
  annualAmountFen?: number;

  ownerId: Types.ObjectId | null;
  ownerDepartmentId: Types.ObjectId | null;
  ownerSince: Date | null;
  collaboratorIds: Types.ObjectId[];
  /** kept by its owner whatever the reclaim rule says (key accounts); managers set it */
  locked: boolean;
  /** set while the customer sits in a public pool (no owner) */
  pool: { poolId: Types.ObjectId; enteredAt: Date; reason?: string } | null;
  /** recent releases, newest last: who let it go and when (claim cool-down) */
  releases: { userId: Types.ObjectId; at: Date }[];

  lastFollowUpAt: Date | null;
  nextFollowUpAt: Date | null;
  needsCompletion: string[];

  // derived keys (entry standards): never set by clients
  nameKey: string;
  pinyinKey: string;
  /** company: the core of its name (新锐投资管理), for finding possible duplicates */
  companyCore?: string;
  /** company: `${core}|${province code or ''}`, unique while not deleted: the same name cannot be saved twice */
  companyKey?: string;
  /** blind indexes of the mainland mobile numbers, for the duplicate check (unique while not deleted) */
  mobileKeys?: string[];
  searchTokens: string[];
  /** blocking keys of duplicate detection (see duplicates/features.ts) */
  dedupeKeys: string[];
  /** names, phones and emails of the contact people, kept by the contacts feature for dedupeKeys */
  dedupeContacts?: { names: string[]; phones: string[]; emails: string[] };

  createdBy: Types.ObjectId;
  updatedBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  deletedBy?: Types.ObjectId;
  /** keys held back while deleted, restored with the customer */
  deletedKeys?: { companyKey?: string; companyCore?: string; mobileKeys?: string[] };
  /** client retry key of the create request: `${userId}:${key}` */
  idempotencyKey?: string;
  /** `${importId}:${row}` of the import row that created it: a resumed import never creates twice */
  importKey?: string;
  /** ids in other systems (open API upserts), and their indexed mirror (see core/db/external-ids.ts) */
  externalIds?: ExternalIds;
  externalKeys?: string[];
  /** what the weekly cleaning found (K8): invalidPhone, staleIncomplete, possibleDuplicate */
  qualityFlags?: string[];
  /** set when merged into another customer (K8); the record stays deleted until the merge is undone */
  mergedInto?: Types.ObjectId;
  version: number;
}

const regionSchema = new Schema(
  { province: { type: String, required: true }, city: String, district: String },
  { _id: false },
);

const customerSchema = new Schema<Customer>(
  {
    type: { type: String, enum: customerTypes, required: true },
    name: { type: String, required: true, maxlength: 100 },
    industry: String,
    scale: String,
    level: String,
    source: { type: String, required: true },
    stage: { type: String, enum: customerStages, required: true, default: 'lead' },
    region: { type: regionSchema, default: undefined },
    address: { type: String, maxlength: 200 },
    phones: { type: [String], default: [] },
    email: String,
    website: String,
    tags: { type: [String], default: [] },
    birthday: Date,
    birthdayKey: { type: String, default: undefined },
    notes: { type: String, maxlength: 2000 },
    annualAmountFen: Number,

    ownerId: { type: Schema.Types.ObjectId, default: null },
    ownerDepartmentId: { type: Schema.Types.ObjectId, default: null },
    ownerSince: { type: Date, default: null },
    collaboratorIds: { type: [Schema.Types.ObjectId], default: [] },
    locked: { type: Boolean, default: false },
    pool: {
      type: new Schema({ poolId: Schema.Types.ObjectId, enteredAt: Date, reason: String }, { _id: false }),
      default: null,
    },
    releases: {
      type: [new Schema({ userId: Schema.Types.ObjectId, at: Date }, { _id: false })],
      default: [],
    },

    lastFollowUpAt: { type: Date, default: null },
    nextFollowUpAt: { type: Date, default: null },
    needsCompletion: { type: [String], default: [] },

    nameKey: { type: String, required: true },
    pinyinKey: { type: String, default: '' },
    companyCore: { type: String, default: undefined },
    companyKey: { type: String, default: undefined },
    mobileKeys: { type: [String], default: undefined },
    searchTokens: { type: [String], default: [] },
    dedupeKeys: { type: [String], default: [] },
    dedupeContacts: { type: new Schema({ names: [String], phones: [String], emails: [String] }, { _id: false }), default: undefined },

    createdBy: { type: Schema.Types.ObjectId, required: true },
    updatedBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
    deletedBy: Schema.Types.ObjectId,
    deletedKeys: { type: new Schema({ companyKey: String, companyCore: String, mobileKeys: [String] }, { _id: false }), default: undefined },
    idempotencyKey: { type: String, default: undefined },
    importKey: { type: String, default: undefined },
    ...externalIdFields,
    mergedInto: { type: Schema.Types.ObjectId, default: undefined },
    qualityFlags: { type: [String], default: undefined },
    version: { type: Number, default: 0 },
  },
  { versionKey: false },
);

// phones and emails are stored encrypted; mobileKeys, searchTokens and dedupeKeys carry their blind indexes
export const customerEncryptedPaths = ['phones', 'email', 'dedupeContacts.phones', 'dedupeContacts.emails'] as const;
encryptedFields(customerSchema, customerEncryptedPaths);

// Duplicate control that holds under concurrency: two reps saving the same customer at once
// cannot both succeed. Sparse, because persons have no company key and many have no mobile.
customerSchema.index({ companyKey: 1 }, { unique: true, sparse: true });
customerSchema.index({ companyCore: 1 }, { sparse: true });
customerSchema.index({ mobileKeys: 1 }, { unique: true, sparse: true });
customerSchema.index({ idempotencyKey: 1 }, { unique: true, sparse: true });
customerSchema.index({ importKey: 1 }, { unique: true, sparse: true });
declareExternalIdIndex(customerSchema);

// Lists: scope first (owner, collaborator, department, pool), then filters, then the sort.
// Each sort is (field, _id) in one direction, so the reverse order is the same index read backwards.
const listSorts = [
  { updatedAt: -1, _id: -1 },
  { createdAt: -1, _id: -1 },
  { lastFollowUpAt: 1, _id: 1 },
  { pinyinKey: 1, _id: 1 },
] as const;
for (const sort of listSorts) {
  customerSchema.index({ ownerId: 1, deletedAt: 1, ...sort });
  customerSchema.index({ collaboratorIds: 1, deletedAt: 1, ...sort });
  customerSchema.index({ ownerDepartmentId: 1, deletedAt: 1, ...sort });
  customerSchema.index({ deletedAt: 1, ...sort });
}
// the recycle bin (deleted customers, newest deletion first) under each scope
for (const prefix of [{ ownerId: 1 }, { collaboratorIds: 1 }, { ownerDepartmentId: 1 }, {}] as Record<string, 1>[]) {
  customerSchema.index({ ...prefix, deletedAt: -1, _id: -1 });
}
customerSchema.index({ 'pool.poolId': 1, deletedAt: 1, 'pool.enteredAt': -1, _id: -1 });
customerSchema.index({ searchTokens: 1 });
// duplicate detection looks candidates up by any shared blocking key
customerSchema.index({ dedupeKeys: 1, deletedAt: 1 });
customerSchema.index({ ownerId: 1, needsCompletion: 1 });
// reclaim and stale rules (K6) scan by last follow-up
customerSchema.index({ deletedAt: 1, lastFollowUpAt: 1 });
// birthday reminders look people up by month and day
customerSchema.index({ birthdayKey: 1 }, { sparse: true });
// the follow-up-due rule scans by next follow-up
customerSchema.index({ deletedAt: 1, nextFollowUpAt: 1 });

export type CustomerModel = Model<Customer>;

export function defineCustomerModel(connection: Connection): CustomerModel {
  return connection.model<Customer>('Customer', customerSchema, 'customers');
}
