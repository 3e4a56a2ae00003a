import { Schema, type Connection, type Model } from 'mongoose';

/** A sign-in in progress: WeCom's `state` (alphanumeric only) names where to land afterwards. */
export interface OAuthState {
  _id: string;
  redirect: string;
  expiresAt: Date;
}

const oauthStateSchema = new Schema<OAuthState>(
  { _id: { type: String, required: true }, redirect: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false },
);
oauthStateSchema.index({ expiresAt: 1 });

export type OAuthStateModel = Model<OAuthState>;

export function defineOAuthStateModel(connection: Connection): OAuthStateModel {
  return connection.model<OAuthState>('OAuthState', oauthStateSchema, 'oauthStates');
}
