import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface Department {
  _id: Types.ObjectId;
  name: string;
  parentId: Types.ObjectId | null;
  ancestors: Types.ObjectId[];
  order: number;
  platformRefs: string[];
  createdAt?: Date;
  updatedAt?: Date;
}

const departmentSchema = new Schema<Department>(
  {
    name: { type: String, required: true, trim: true, maxlength: 100 },
    parentId: { type: Schema.Types.ObjectId, default: null },
    /** every department above this one, root first: the subtree of X is {ancestors: X} */
    ancestors: { type: [Schema.Types.ObjectId], default: [] },
    order: { type: Number, default: 0 },
    /** the chat platforms' own ids (`wecom:2`, `dingtalk:2`), set by organisation sync */
    platformRefs: { type: [String], default: [] },
  },
  { timestamps: true },
);

departmentSchema.index({ parentId: 1, name: 1 }, { unique: true });
departmentSchema.index({ ancestors: 1 });
departmentSchema.index({ platformRefs: 1 });

export type DepartmentModel = Model<Department>;

export function defineDepartmentModel(connection: Connection): DepartmentModel {
  return connection.model<Department>('Department', departmentSchema, 'departments');
}
