// Upsert by external id, one record or many: find the record carrying `<system>:<id>`, update it
// through its service, or create it through its service and then attach the id. The services keep
// every rule (scope, entry standards, duplicates, audit); this only decides create or update.
import { Types } from 'mongoose';
import type { z } from 'zod';
import { externalIdsInput, type ExternalIdIndex, type ExternalIds } from '../../core/db/external-ids.ts';
import { AppError } from '../../core/errors.ts';
import { toAppError } from '../../core/http/errors.ts';
import { parseInput } from '../../core/http/validate.ts';
import { translate, type Locale } from '../../core/i18n.ts';
import { bulkItem } from './schemas.ts';
import './messages.ts';

export type ExternalEntity = 'customers' | 'contacts' | 'opportunities' | 'contracts' | 'orders' | 'payments';

export interface UpsertTarget<Create, Update> {
  entity: ExternalEntity;
  /** the full record, as creating needs it */
  createBody: z.ZodType<Create>;
  /** the fields an update takes; only those sent change (a PUT of the full record is fine too) */
  updateBody: z.ZodType<Update>;
  /** fields that only place a new record (its customer, its owner): ignored on an update */
  createOnly: readonly string[];
  /** `retryKey`: the same upsert retried after a crash finds what it created (where supported) */
  create(input: Create, retryKey: string): Promise<{ id: string }>;
  update(id: string, input: Update): Promise<unknown>;
  get(id: string): Promise<unknown>;
}

export interface UpsertOutcome {
  status: 'created' | 'updated';
  id: string;
  record: unknown;
}

/** Splits the client's `externalIds` (attached after the write) from the fields the service takes. */
function splitExternal(raw: unknown, locale: Locale): { data: Record<string, unknown>; ids: ExternalIds } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new AppError('VALIDATION', { details: [{ path: '', message: 'expected an object' }] });
  const { externalIds, ...data } = raw as Record<string, unknown>;
  return { data, ids: externalIds === undefined ? {} : parseInput(externalIdsInput, externalIds, locale) };
}

export async function upsertByExternal<C, U>(
  index: ExternalIdIndex<ExternalEntity>,
  target: UpsertTarget<C, U>,
  key: { system: string; externalId: string },
  raw: unknown,
  options: { locale: Locale; version?: number },
): Promise<UpsertOutcome> {
  const { data, ids } = splitExternal(raw, options.locale);
  const { version: bodyVersion, ...fields } = data;
  const version = options.version ?? (typeof bodyVersion === 'number' ? bodyVersion : undefined);
  const attach = { ...ids, [key.system]: key.externalId };
  return index.exclusive(target.entity, key.system, key.externalId, async () => {
    const existing = await index.lookup(target.entity, key.system, key.externalId);
    let status: UpsertOutcome['status'];
    let id: string;
    if (existing) {
      id = existing.toHexString();
      const changes = Object.fromEntries(Object.entries(fields).filter(([field]) => !target.createOnly.includes(field)));
      const input = parseInput(target.updateBody, { ...changes, ...(version !== undefined ? { version } : {}) }, options.locale);
      await target.update(id, input);
      status = 'updated';
    } else {
      id = (await target.create(parseInput(target.createBody, fields, options.locale), `ext:${key.system}:${key.externalId}`)).id;
      status = 'created';
    }
    await index.attach(target.entity, new Types.ObjectId(id), attach);
    return { status, id, record: await target.get(id) };
  });
}

export interface BulkResult {
  index: number;
  status: 'created' | 'updated' | 'error';
  id?: string;
  error?: { code: string; message: string; details?: unknown };
}

/** Each item on its own, in order: a bad record answers its error and the others go on. */
export async function bulkUpsert<C, U>(index: ExternalIdIndex<ExternalEntity>, target: UpsertTarget<C, U>, items: unknown[], locale: Locale): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const [i, item] of items.entries()) {
    try {
      const { system, externalId, data } = parseInput(bulkItem, item, locale);
      const outcome = await upsertByExternal(index, target, { system, externalId }, data, { locale });
      results.push({ index: i, status: outcome.status, id: outcome.id });
    } catch (thrown) {
      const error = toAppError(thrown);
      if (!error || error.status >= 500) throw thrown; // a broken server is not a bad record
      results.push({
        index: i,
        status: 'error',
        error: { code: error.code, message: translate(error.messageKey, locale, error.params), ...(error.details !== undefined ? { details: error.details } : {}) },
      });
    }
  }
  return results;
}
