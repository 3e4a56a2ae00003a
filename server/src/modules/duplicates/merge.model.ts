import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';
import type { SurvivorFields } from '../customers/customer-merge.ts';

export interface Merge {
  _id: Types.ObjectId;
  survivorId: Types.ObjectId;
  mergedId: Types.ObjectId;
  mergedName: string;
  /** the survivor's fields before and after, for undo */
  before: SurvivorFields;
  after: SurvivorFields;
  /** records moved per collection: counts here, ids in merge_moves */
  moved: Record<string, number>;
  status: 'moving' | 'done' | 'undone';
  by: Types.ObjectId;
  at: Date;
  /** undo is offered until then */
  undoUntil: Date;
  undoneAt?: Date;
  undoneBy?: Types.ObjectId;
}

/** The ids one merge moved in one collection, in chunks that keep each document small. */
export interface MergeMove {
  _id: Types.ObjectId;
  mergeId: Types.ObjectId;
  link: string;
  /** mostly ObjectIds; some collections (behaviour visitors and daily counts) have text ids */
  ids: unknown[];
}

const mergeSchema = new Schema<Merge>(
  {
    survivorId: { type: Schema.Types.ObjectId, required: true },
    mergedId: { type: Schema.Types.ObjectId, required: true },
    mergedName: { type: String, required: true },
    before: { type: Schema.Types.Mixed, default: {} },
    after: { type: Schema.Types.Mixed, default: {} },
    moved: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, enum: ['moving', 'done', 'undone'], required: true },
    by: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    undoUntil: { type: Date, required: true },
    undoneAt: Date,
    undoneBy: Schema.Types.ObjectId,
  },
  { versionKey: false, minimize: false },
);
// the survivor's phones and email before and after, kept for undo: encrypted like the customer's own
encryptedFields(mergeSchema, ['before.phones', 'before.email', 'after.phones', 'after.email']);
mergeSchema.index({ survivorId: 1, at: -1 });
mergeSchema.index({ mergedId: 1, at: -1 });
// merges whose records stopped moving midway, finished by the import worker's job
mergeSchema.index({ status: 1, at: 1 });

const moveSchema = new Schema<MergeMove>(
  {
    mergeId: { type: Schema.Types.ObjectId, required: true },
    link: { type: String, required: true },
    ids: { type: [Schema.Types.Mixed], default: [] },
  },
  { versionKey: false },
);
moveSchema.index({ mergeId: 1, link: 1 });

export interface MergeModels {
  merges: Model<Merge>;
  mergeMoves: Model<MergeMove>;
}

export function defineMergeModels(connection: Connection): MergeModels {
  return {
    merges: connection.model<Merge>('Merge', mergeSchema, 'merges'),
    mergeMoves: connection.model<MergeMove>('MergeMove', moveSchema, 'merge_moves'),
  };
}
