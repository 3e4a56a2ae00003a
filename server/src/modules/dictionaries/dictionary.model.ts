import { Schema, type Connection, type Model } from 'mongoose';

export interface DictionaryEntry {
  /** what records store; stable */
  value: string;
  label: { zh: string; en: string };
  active: boolean;
  order: number;
  /** other words people write for this value (IT, 软件 → 互联网), which imports map to it */
  synonyms?: string[];
}

export interface Dictionary {
  _id: string; // the dictionary's type, e.g. 'industry'
  entries: DictionaryEntry[];
  /** values the code relies on (stages, methods): labels editable, values fixed */
  locked: boolean;
  updatedAt?: Date;
  updatedBy?: unknown;
}

const entrySchema = new Schema<DictionaryEntry>(
  {
    value: { type: String, required: true, trim: true, maxlength: 50 },
    label: {
      zh: { type: String, required: true, trim: true, maxlength: 50 },
      en: { type: String, required: true, trim: true, maxlength: 80 },
    },
    active: { type: Boolean, default: true },
    order: { type: Number, default: 0 },
    synonyms: { type: [String], default: undefined },
  },
  { _id: false },
);

const dictionarySchema = new Schema<Dictionary>(
  {
    _id: { type: String, required: true },
    entries: { type: [entrySchema], default: [] },
    locked: { type: Boolean, default: false },
    updatedAt: { type: Date },
    updatedBy: { type: Schema.Types.ObjectId },
  },
  { versionKey: false },
);

export type DictionaryModel = Model<Dictionary>;

export function defineDictionaryModel(connection: Connection): DictionaryModel {
  return connection.model<Dictionary>('Dictionary', dictionarySchema, 'dictionaries');
}
