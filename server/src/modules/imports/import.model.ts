import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import type { ImportedContact, ImportedCustomer, RowProblem } from './row-normaliser.ts';
import type { Reason } from '../duplicates/score.ts';

export const importStatuses = ['analysing', 'ready', 'committing', 'done', 'failed'] as const;
export type ImportStatus = (typeof importStatuses)[number];
export const rowStatuses = ['invalid', 'pending', 'created', 'merged', 'skipped'] as const;
export type RowStatus = (typeof rowStatuses)[number];
export type GroupAction = 'create' | 'skip' | 'merge';

export interface ImportCounts {
  rows: number;
  valid: number;
  invalid: number;
  withWarnings: number;
  /** duplicate groups within the file, and the rows in them */
  fileGroups: number;
  fileDuplicateRows: number;
  /** rows that match an existing customer */
  existingMatches: number;
  created: number;
  merged: number;
  skipped: number;
}

export interface ImportJob {
  _id: Types.ObjectId;
  createdBy: Types.ObjectId;
  fileId: string;
  fileName: string;
  format: 'xlsx' | 'csv';
  encoding?: string;
  headers: string[];
  /** column index → field */
  mapping: Record<string, string>;
  /**
   * owner names as written in the file, each with the user it maps to: pairs rather than an object,
   * because a name is the file's text and may hold '.' or start with '$', which field names may not
   */
  ownerMap: { name: string; userId: string }[];
  /** owner names in the file that matched no assignable user (at most 200) */
  unknownOwners?: string[];
  defaultOwnerId: Types.ObjectId;
  status: ImportStatus;
  /** rows analysed, or rows committed: where a restarted worker carries on */
  position: number;
  counts: ImportCounts;
  /** duplicate group → what to do with it, and the customer to merge into */
  decisions: Record<string, { action: GroupAction; targetId?: string }>;
  /** the worker holding the import until then (a crashed worker's lease runs out) */
  lease: { until: Date; by: string } | null;
  error?: { code: string; message: string };
  createdAt: Date;
  updatedAt: Date;
  committedAt?: Date;
  /** when its rows were deleted, the retention period over (IMPORT_ROWS_RETENTION_DAYS) */
  rowsPurgedAt?: Date;
}

export interface ExistingMatch {
  customerId: Types.ObjectId;
  score: number;
  reasons: Reason[];
}

export interface ImportRow {
  _id: Types.ObjectId;
  importId: Types.ObjectId;
  /** 0-based order of the data rows */
  index: number;
  /** the row's line in the file (the header is line 1 when it is the first line) */
  line: number;
  cells: string[];
  rowErrors: RowProblem[];
  rowWarnings: RowProblem[];
  customer: ImportedCustomer | null;
  contact: ImportedContact | null;
  ownerId: Types.ObjectId | null;
  /** duplicate group id (`g<index of its first row>`), null when the row stands alone */
  group: string | null;
  leader: boolean;
  matches: ExistingMatch[];
  status: RowStatus;
  /** the customer the row became or was merged into */
  customerId?: Types.ObjectId;
  /** why a pending row was skipped or not created */
  note?: string;
}

export interface ImportMapping {
  _id: Types.ObjectId;
  name: string;
  /** header text → field */
  columns: Record<string, string>;
  createdBy: Types.ObjectId;
  createdAt: Date;
}

const importSchema = new Schema<ImportJob>(
  {
    createdBy: { type: Schema.Types.ObjectId, required: true },
    fileId: { type: String, required: true },
    fileName: { type: String, required: true },
    format: { type: String, required: true },
    encoding: String,
    headers: { type: [String], default: [] },
    mapping: { type: Schema.Types.Mixed, default: {} },
    ownerMap: { type: [new Schema({ name: { type: String, required: true }, userId: { type: String, required: true } }, { _id: false })], default: [] },
    unknownOwners: { type: [String], default: undefined },
    defaultOwnerId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, enum: importStatuses, required: true },
    position: { type: Number, default: 0 },
    counts: { type: Schema.Types.Mixed, default: {} },
    decisions: { type: Schema.Types.Mixed, default: {} },
    lease: { type: new Schema({ until: Date, by: String }, { _id: false }), default: null },
    error: { type: new Schema({ code: String, message: String }, { _id: false }), default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    committedAt: Date,
    rowsPurgedAt: Date,
  },
  { versionKey: false, minimize: false },
);
importSchema.index({ createdBy: 1, createdAt: -1 });
// the worker's queue: waiting imports, oldest first, free or with a lease run out
importSchema.index({ status: 1, lease: 1, updatedAt: 1 });
importSchema.index({ status: 1, updatedAt: 1, 'lease.until': 1 });
// the daily purge of finished imports' rows past their retention
importSchema.index({ status: 1, committedAt: 1 });

const rowSchema = new Schema<ImportRow>(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    index: { type: Number, required: true },
    line: { type: Number, required: true },
    cells: { type: [String], default: [] },
    rowErrors: { type: Schema.Types.Mixed, default: [] },
    rowWarnings: { type: Schema.Types.Mixed, default: [] },
    customer: { type: Schema.Types.Mixed, default: null },
    contact: { type: Schema.Types.Mixed, default: null },
    ownerId: { type: Schema.Types.ObjectId, default: null },
    group: { type: String, default: null },
    leader: { type: Boolean, default: false },
    matches: { type: Schema.Types.Mixed, default: [] },
    status: { type: String, enum: rowStatuses, required: true },
    customerId: Schema.Types.ObjectId,
    note: String,
  },
  { versionKey: false, minimize: false },
);
// A staged row is a copy of a customer's phones and emails, and its raw cells and problem values
// may hold them under any heading: all are stored encrypted, like the customer they become.
export const importRowEncryptedPaths = ['cells', 'customer.phones', 'customer.email', 'contact.phones', 'contact.email', 'rowErrors.value', 'rowWarnings.value'] as const;
encryptedFields(rowSchema, importRowEncryptedPaths);
rowSchema.index({ importId: 1, index: 1 }, { unique: true });
rowSchema.index({ importId: 1, group: 1, index: 1 });
rowSchema.index({ importId: 1, status: 1, index: 1 });

const mappingSchema = new Schema<ImportMapping>(
  {
    name: { type: String, required: true, maxlength: 50 },
    columns: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
mappingSchema.index({ name: 1 }, { unique: true });

export interface ImportModels {
  imports: Model<ImportJob>;
  importRows: Model<ImportRow>;
  importMappings: Model<ImportMapping>;
}

export function defineImportModels(connection: Connection): ImportModels {
  return {
    imports: connection.model<ImportJob>('Import', importSchema, 'imports'),
    importRows: connection.model<ImportRow>('ImportRow', rowSchema, 'import_rows'),
    importMappings: connection.model<ImportMapping>('ImportMapping', mappingSchema, 'import_mappings'),
  };
}
