import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

// A session is a row so that logout and deactivation end it at once, whatever the token's expiry.
const sessionSchema = new Schema(
  {
    _id: { type: String, required: true }, // random id carried in the signed token as `sid`
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: { type: Date, default: null },
    /** how the session was opened: dev-login, wecom, dingtalk */
    method: { type: String, required: true },
    userAgent: { type: String, maxlength: 300 },
  },
  { versionKey: false },
);

sessionSchema.index({ userId: 1, expiresAt: 1 });
// Expired sessions are deleted by the auth.sessions.purge job (TTL indexes never expire on the
// embedded engine), which scans by expiry.
sessionSchema.index({ expiresAt: 1 });

export type Session = InferSchemaType<typeof sessionSchema>;
export type SessionModel = Model<Session>;

export function defineSessionModel(connection: Connection): SessionModel {
  return connection.model<Session>('Session', sessionSchema, 'sessions');
}
