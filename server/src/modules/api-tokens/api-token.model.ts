// Open-API tokens: what an integration presents as `Authorization: Bearer kmt_…`. Only the
// token's SHA-256 is stored (unique), so a database dump reveals no usable token.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { ApiAccess, ApiResource } from './api-token.input.ts';

export interface ApiToken {
  _id: Types.ObjectId;
  name: string;
  /** hex SHA-256 of the whole token */
  hash: string;
  /** the first characters and the last four, to recognise a token in the list */
  prefix: string;
  last4: string;
  /** the token acts as this user (their scope), or as an integration role */
  ownerUserId: Types.ObjectId | null;
  integrationRole: string | null;
  permissions: Partial<Record<ApiResource, ApiAccess>>;
  expiresAt: Date | null;
  revokedAt: Date | null;
  revokedBy: Types.ObjectId | null;
  lastUsedAt: Date | null;
  createdBy: Types.ObjectId;
  createdAt: Date;
}

const apiTokenSchema = new Schema<ApiToken>(
  {
    name: { type: String, required: true, maxlength: 100 },
    hash: { type: String, required: true },
    prefix: { type: String, required: true },
    last4: { type: String, required: true },
    ownerUserId: { type: Schema.Types.ObjectId, default: null },
    integrationRole: { type: String, default: null },
    permissions: { type: Schema.Types.Mixed, required: true },
    expiresAt: { type: Date, default: null },
    revokedAt: { type: Date, default: null },
    revokedBy: { type: Schema.Types.ObjectId, default: null },
    lastUsedAt: { type: Date, default: null },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

apiTokenSchema.index({ hash: 1 }, { unique: true });
// the settings page lists tokens newest first
apiTokenSchema.index({ createdAt: -1, _id: -1 });

export type ApiTokenModel = Model<ApiToken>;

export function defineApiTokenModel(connection: Connection): ApiTokenModel {
  return connection.model<ApiToken>('ApiToken', apiTokenSchema, 'apiTokens');
}
