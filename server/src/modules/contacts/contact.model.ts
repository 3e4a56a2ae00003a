import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import { declareExternalIdIndex, externalIdFields, type ExternalIds } from '../../core/db/external-ids.ts';

export interface Contact {
  _id: Types.ObjectId;
  customerId: Types.ObjectId;
  name: string;
  position?: string;
  phones: string[];
  email?: string;
  /** blind index of the normalised email (stored encrypted), for finding the people behind an address */
  emailKey?: string;
  birthday?: Date;
  birthdayKey?: string;
  isPrimary: boolean;
  leftCompany: boolean;
  notes?: string;
  searchTokens: string[];
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
  /** bumped by every edit; an edit sent with an older one is refused (absent on contacts from before versions: 0) */
  version?: number;
  /** `${importId}:${row}` of the import row that added it */
  importKey?: string;
  /** ids in other systems (open API upserts), and their indexed mirror (see core/db/external-ids.ts) */
  externalIds?: ExternalIds;
  externalKeys?: string[];
}

const contactSchema = new Schema<Contact>(
  {
    customerId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true, maxlength: 50 },
    position: { type: String, maxlength: 50 },
    phones: { type: [String], default: [] },
    email: String,
    emailKey: { type: String, default: undefined },
    birthday: Date,
    birthdayKey: { type: String, default: undefined },
    isPrimary: { type: Boolean, default: false },
    leftCompany: { type: Boolean, default: false },
    notes: { type: String, maxlength: 1000 },
    searchTokens: { type: [String], default: [] },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    deletedAt: { type: Date, default: null },
    version: { type: Number, default: 0 },
    importKey: { type: String, default: undefined },
    ...externalIdFields,
  },
  { versionKey: false },
);

contactSchema.index({ customerId: 1, deletedAt: 1, isPrimary: -1, createdAt: 1 });
contactSchema.index({ searchTokens: 1, deletedAt: 1 });
contactSchema.index({ birthdayKey: 1 }, { sparse: true });
contactSchema.index({ importKey: 1 }, { unique: true, sparse: true });
declareExternalIdIndex(contactSchema);
// the open API's contact list: every contact, or those of the caller's customers, newest change first
contactSchema.index({ deletedAt: 1, updatedAt: -1, _id: -1 });
contactSchema.index({ customerId: 1, deletedAt: 1, updatedAt: -1, _id: -1 });
// the weekly cleaning finds the people behind bounced addresses
contactSchema.index({ emailKey: 1, leftCompany: 1, deletedAt: 1 }, { sparse: true });

// phones and emails are stored encrypted; searchTokens and emailKey carry their blind indexes
export const contactEncryptedPaths = ['phones', 'email'] as const;
encryptedFields(contactSchema, contactEncryptedPaths);

export type ContactModel = Model<Contact>;

export function defineContactModel(connection: Connection): ContactModel {
  return connection.model<Contact>('Contact', contactSchema, 'contacts');
}
