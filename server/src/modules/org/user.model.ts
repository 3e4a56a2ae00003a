import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { roles, type Role } from '../../core/auth/permissions.ts';

export interface User {
  _id: Types.ObjectId;
  login: string;
  name: string;
  role: Role;
  departmentId: Types.ObjectId | null;
  isManager: boolean;
  active: boolean;
  mobile?: string;
  email?: string;
  platform?: string;
  platformUserId?: string;
  createdAt?: Date;
  updatedAt?: Date;
}

const userSchema = new Schema<User>(
  {
    login: { type: String, required: true, trim: true, lowercase: true, maxlength: 64 },
    name: { type: String, required: true, trim: true, maxlength: 64 },
    role: { type: String, required: true, enum: roles },
    departmentId: { type: Schema.Types.ObjectId, default: null },
    /** manages their department (receives escalations, approves, sees the subtree) */
    isManager: { type: Boolean, default: false },
    active: { type: Boolean, default: true },
    mobile: { type: String },
    email: { type: String },
    /** where the user signs in from: set by organisation sync (wecom, dingtalk) */
    platform: { type: String },
    platformUserId: { type: String },
  },
  { timestamps: true },
);

userSchema.index({ login: 1 }, { unique: true });
userSchema.index({ role: 1, active: 1 });
userSchema.index({ platform: 1, active: 1 });
userSchema.index({ departmentId: 1, active: 1, isManager: 1 });
userSchema.index({ platform: 1, platformUserId: 1 }, { unique: true, sparse: true });

export type UserModel = Model<User>;

export function defineUserModel(connection: Connection): UserModel {
  return connection.model<User>('User', userSchema, 'users');
}
