// Records that belong to a customer by a `customerId` field, as a customer merge (K8) moves them:
// every record of the merged customer to the survivor, and on undo exactly those records back.
// The composition root builds one link per collection; the merge sees only this interface.
import type { Model, Types } from 'mongoose';

export interface CustomerLink {
  name: string;
  /** moves every record of `from` to `to`; returns the ids it moved */
  move(from: Types.ObjectId, to: Types.ObjectId): Promise<Types.ObjectId[]>;
  /** moves these records, where they still are at `to`, back to `from` */
  moveBack(ids: Types.ObjectId[], to: Types.ObjectId, from: Types.ObjectId): Promise<number>;
}

/**
 * A link over one collection. `unique`: the customer is part of a unique index (one campaign
 * participant per customer), so records are moved one by one and one that would collide stays.
 */
export function customerLink<T>(name: string, model: Model<T>, options: { field?: string; unique?: boolean } = {}): CustomerLink {
  const field = options.field ?? 'customerId';
  return {
    name,
    async move(from, to) {
      const found = await model.find({ [field]: from } as never, { _id: 1 }).lean<{ _id: Types.ObjectId }[]>();
      const ids = found.map((r) => r._id);
      if (ids.length === 0) return [];
      if (!options.unique) {
        await model.updateMany({ _id: { $in: ids } } as never, { $set: { [field]: to } } as never);
        return ids;
      }
      const moved: Types.ObjectId[] = [];
      for (const id of ids) {
        try {
          await model.updateOne({ _id: id } as never, { $set: { [field]: to } } as never);
          moved.push(id);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 11000) throw error;
        }
      }
      return moved;
    },
    async moveBack(ids, to, from) {
      if (ids.length === 0) return 0;
      const done = await model.updateMany({ _id: { $in: ids }, [field]: to } as never, { $set: { [field]: from } } as never);
      return done.modifiedCount;
    },
  };
}
