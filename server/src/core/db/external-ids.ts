// Ids a record carries in other systems (an ERP's customer number, a shop's order id), for the open
// API's upsert by external id. `externalIds` is what clients read and write ({ erp: 'C-1001' });
// `externalKeys` (['erp:C-1001']) is its hidden, indexed mirror used for lookups: a query on the
// dynamic `externalIds.<system>` paths could not be served by one index, and on the embedded
// engine by none. A unique sparse index on the keys holds one record per external id.
import { Schema, type Model, type Types } from 'mongoose';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Locks } from './locks.ts';

export const externalSystemPattern = /^[a-z][a-z0-9_-]{1,31}$/;
export const externalSystem = z.string().regex(externalSystemPattern);
export const externalId = z.string().min(1).max(128);
/** A plain object of system → id; at most 10 systems per record. */
export const externalIdsInput = z
  .record(externalSystem, externalId)
  .refine((ids) => Object.keys(ids).length <= 10, { message: 'at most 10 external systems' });

export type ExternalIds = Record<string, string>;

/** The fields a model with external ids declares; absent (not empty) when none, for the sparse index. */
export const externalIdFields = {
  externalIds: { type: Schema.Types.Mixed, default: undefined },
  externalKeys: { type: [String], default: undefined },
};

export function declareExternalIdIndex(schema: Schema): void {
  schema.index({ externalKeys: 1 }, { unique: true, sparse: true });
}

export const externalKey = (system: string, id: string) => `${system}:${id}`;
export const externalKeysOf = (ids: ExternalIds) => Object.entries(ids).map(([system, id]) => externalKey(system, id));

interface Carrier {
  _id: Types.ObjectId;
  externalIds?: ExternalIds;
  externalKeys?: string[];
}

/**
 * Finds and attaches external ids on the collections that carry them. The composition root
 * builds it over those models (like customer links): it never decides who may see a record, so
 * callers read and write the records themselves through their services, under the caller's scope.
 */
export class ExternalIdIndex<Entity extends string> {
  private readonly models: Record<Entity, Model<never>>;
  private readonly locks: Locks;

  constructor(models: Record<Entity, Model<never>>, locks: Locks) {
    this.models = models;
    this.locks = locks;
  }

  /**
   * Runs an upsert of one external id alone, across processes: two syncs of the same new id at
   * once would otherwise both create, and the loser's record would be left without its id.
   */
  exclusive<T>(entity: Entity, system: string, id: string, work: () => Promise<T>): Promise<T> {
    return this.locks.with(`external:${entity}:${externalKey(system, id)}`, work, { ttlMs: 30_000, waitMs: 15_000 });
  }

  /** The record carrying this external id, if any (whoever may see it). */
  async lookup(entity: Entity, system: string, id: string): Promise<Types.ObjectId | null> {
    const found = await this.models[entity].findOne({ externalKeys: externalKey(system, id) } as never, { _id: 1 }).lean<Carrier>();
    return found?._id ?? null;
  }

  /**
   * Merges `ids` into the record's external ids (a system given again takes its new id) and keeps
   * the keys in step. Another record holding one of the ids answers CONFLICT.
   */
  async attach(entity: Entity, recordId: Types.ObjectId, ids: ExternalIds): Promise<ExternalIds> {
    const model = this.models[entity];
    const current = await model.findById(recordId, { externalIds: 1 }).lean<Carrier>();
    if (!current) return ids;
    const merged = { ...(current.externalIds ?? {}), ...ids };
    if (JSON.stringify(merged) === JSON.stringify(current.externalIds ?? {})) return merged;
    try {
      await model.updateOne({ _id: recordId } as never, { $set: { externalIds: merged, externalKeys: externalKeysOf(merged) } } as never);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 11000) throw error;
      throw new AppError('CONFLICT', { messageKey: 'error.externalId.taken', cause: error });
    }
    return merged;
  }
}
