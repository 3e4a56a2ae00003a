import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';

const departmentSchema = new Schema(
  {
    name: { type: String, required: true, trim: true, maxlength: 100 },
    parentId: { type: Schema.Types.ObjectId, default: null },
    /** every department above this one, root first: the subtree of X is {ancestors: X} */
    ancestors: { type: [Schema.Types.ObjectId], default: [] },
    order: { type: Number, default: 0 },
    /** the chat platform's own id, set by organisation sync */
    platformRef: { type: String },
  },
  { timestamps: true },
);

departmentSchema.index({ parentId: 1, name: 1 }, { unique: true });
departmentSchema.index({ ancestors: 1 });

export type Department = InferSchemaType<typeof departmentSchema> & { _id: Types.ObjectId };
export type DepartmentModel = Model<Department>;

export function defineDepartmentModel(connection: Connection): DepartmentModel {
  return connection.model<Department>('Department', departmentSchema, 'departments');
}
