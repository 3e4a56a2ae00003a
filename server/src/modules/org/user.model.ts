import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { roleKeyPattern, type Role } from '../../core/auth/permissions.ts';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import { mobileKey, normalisePhone } from '../standards/phone.ts';

/** the chat platforms a user can be linked to (the dev outbox needs no account) */
export const chatPlatformNames = ['wecom', 'dingtalk'] as const;
export type ChatPlatformName = (typeof chatPlatformNames)[number];

export interface User {
  _id: Types.ObjectId;
  login: string;
  name: string;
  role: Role;
  departmentId: Types.ObjectId | null;
  isManager: boolean;
  active: boolean;
  /** the mobile a chat platform gives for the user, encrypted at rest */
  mobile?: string;
  /** its blind index: links the same person synced from a second platform */
  mobileKey?: string;
  /** the user's ids on the chat platforms they are linked to (set by organisation sync) */
  accounts?: Partial<Record<ChatPlatformName, string>>;
  /** the chat platform the user last signed in or acted from: their cards go there */
  lastPlatform?: ChatPlatformName;
  /** while away, approvals routed to this user go to someone else until then */
  delegation?: { toUserId: Types.ObjectId; until: Date } | null;
  createdAt?: Date;
  updatedAt?: Date;
}

const userSchema = new Schema<User>(
  {
    login: { type: String, required: true, trim: true, lowercase: true, maxlength: 64 },
    name: { type: String, required: true, trim: true, maxlength: 64 },
    // a built-in or custom role's key; OrgService checks the role exists before giving it
    role: { type: String, required: true, match: roleKeyPattern },
    departmentId: { type: Schema.Types.ObjectId, default: null },
    /** manages their department (receives escalations, approves, sees the subtree) */
    isManager: { type: Boolean, default: false },
    active: { type: Boolean, default: true },
    mobile: { type: String },
    mobileKey: { type: String },
    accounts: { wecom: { type: String }, dingtalk: { type: String } },
    lastPlatform: { type: String, enum: chatPlatformNames },
    delegation: { type: new Schema({ toUserId: { type: Schema.Types.ObjectId, required: true }, until: { type: Date, required: true } }, { _id: false }), default: null },
  },
  { timestamps: true },
);

encryptedFields(userSchema, ['mobile']);

/** A user's mobile fields from a number as a platform gives it: none unless it is a mobile. */
export function userMobile(number: string | undefined): Pick<User, 'mobile' | 'mobileKey'> | null {
  const phone = normalisePhone(number);
  return phone?.kind === 'mobile' ? { mobile: phone.value, mobileKey: mobileKey(phone.value) } : null;
}

userSchema.index({ login: 1 }, { unique: true });
userSchema.index({ role: 1, active: 1 });
userSchema.index({ departmentId: 1, active: 1, isManager: 1 });
// links a person synced from a second platform to the user the first one made
userSchema.index({ mobileKey: 1, active: 1 });
// one Kemai user per platform account; a person on both platforms is one user with two accounts
userSchema.index({ 'accounts.wecom': 1 }, { unique: true, sparse: true });
userSchema.index({ 'accounts.dingtalk': 1 }, { unique: true, sparse: true });

export type UserModel = Model<User>;

export function defineUserModel(connection: Connection): UserModel {
  return connection.model<User>('User', userSchema, 'users');
}
