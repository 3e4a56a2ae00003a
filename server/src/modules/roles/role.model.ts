import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { FieldRule, MaskableField } from '../../core/auth/field-rules.ts';
import type { DataScope, Permission } from '../../core/auth/permissions.ts';

/**
 * A role as the company has shaped it: a custom role, or a built-in one an admin has edited (a
 * built-in role without a document is its default).
 */
export interface StoredRole {
  _id: Types.ObjectId;
  key: string;
  name: { zh: string; en: string };
  builtIn: boolean;
  permissions: Permission[];
  dataScope: DataScope;
  /** pairs rather than an object keyed by field: the fields' names hold dots, which field names may not */
  fieldRules: { field: MaskableField; rule: FieldRule }[];
  updatedAt: Date;
  updatedBy: Types.ObjectId | null;
}

const roleSchema = new Schema<StoredRole>(
  {
    key: { type: String, required: true },
    name: { zh: { type: String, required: true }, en: { type: String, required: true } },
    builtIn: { type: Boolean, required: true },
    permissions: { type: [String], default: [] },
    dataScope: { type: String, required: true },
    fieldRules: { type: [new Schema({ field: { type: String, required: true }, rule: { type: String, required: true } }, { _id: false })], default: [] },
    updatedAt: { type: Date, required: true },
    updatedBy: { type: Schema.Types.ObjectId, default: null },
  },
  { versionKey: false, minimize: false },
);
roleSchema.index({ key: 1 }, { unique: true });

export type RoleModel = Model<StoredRole>;

export function defineRoleModel(connection: Connection): RoleModel {
  return connection.model<StoredRole>('Role', roleSchema, 'roles');
}
