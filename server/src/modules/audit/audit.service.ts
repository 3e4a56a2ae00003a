// The audit trail: who did what to which record, when, from which client, with field-level
// before/after. Written by the services that change data; read by managers and admins.
import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { maskableField, maskableFields, revealValue } from '../../core/auth/field-rules.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { AuditChange, AuditEntry, AuditModel } from './audit.model.ts';

/** Where a change came from: the H5 app, the open API, the bot, a job. */
export interface ClientInfo {
  via: 'h5' | 'api' | 'bot' | 'job' | 'import';
  requestId?: string;
  userAgent?: string;
}

export interface AuditRecord {
  action: string;
  entity: string;
  entityId: Types.ObjectId;
  customerId?: Types.ObjectId | null;
  changes?: AuditChange[];
  note?: string;
  details?: Record<string, unknown>;
}

export class AuditService {
  private readonly deps: { audit: AuditModel; clock: Clock };

  constructor(deps: { audit: AuditModel; clock: Clock }) {
    this.deps = deps;
  }

  async record(actor: RequestScope | null, client: ClientInfo, records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const at = this.deps.clock.now();
    const actorId = actor ? new Types.ObjectId(actor.user.id) : null;
    await this.deps.audit.insertMany(
      records.map((r) => ({
        at,
        actorId,
        action: r.action,
        entity: r.entity,
        entityId: r.entityId,
        customerId: r.customerId ?? null,
        changes: (r.changes ?? []).map((change) => maskedChange(r.entity, change)),
        client: { via: client.via, requestId: client.requestId, userAgent: client.userAgent?.slice(0, 200) },
        note: r.note,
        ...(r.details ? { details: r.details } : {}),
      })),
      { ordered: false },
    );
  }

  /**
   * A change of company configuration (pool limits, a dictionary, a rule, the approval flow,
   * assignment rules…) with its whole before and after; nothing is recorded when nothing changed.
   */
  async recordSetting(actor: RequestScope, client: ClientInfo, key: string, before: unknown, after: unknown): Promise<void> {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    await this.record(actor, client, [{ action: 'settings.update', entity: 'setting', entityId: settingEntityId(key), changes: [{ field: key, before, after }], details: { key } }]);
  }

  /** The customer a record's audit entries belong to (decides who may read them). */
  async customerOf(entity: string, entityId: Types.ObjectId): Promise<Types.ObjectId | null> {
    const entry = await this.deps.audit.findOne({ entity, entityId }, { customerId: 1 }).lean<AuditEntry>();
    return entry?.customerId ?? null;
  }

  /** Newest first. */
  async list(query: { entity: string; entityId: Types.ObjectId; cursor?: string; limit: number }) {
    const position = decodeCursor(query.cursor);
    const own = { entity: query.entity, entityId: query.entityId };
    const filter = position ? { $and: [own, afterCursor('at', -1, position, reviveDate)] } : own;
    const rows = await this.deps.audit.find(filter).sort({ at: -1, _id: -1 }).limit(query.limit + 1).lean<AuditEntry[]>();
    return pageOf(rows, query.limit, (e) => e.at);
  }
}

// Phones and emails are stored encrypted on their records; the trail keeps them masked (138****8000),
// enough to see that a number changed and to which one, without a readable copy outside encryption.
// The field rules' own masking does it; the address stays as written (it is not encrypted).
function maskedChange(entity: string, change: AuditChange): AuditChange {
  const field = maskableField(entity, change.field);
  if (!field || maskableFields[field] === 'text') return change;
  return { ...change, before: revealValue(field, change.before, 'masked'), after: revealValue(field, change.after, 'masked') };
}

/** A fixed id per configuration key (`settings.pool`, `dictionary.industry`), so its entries read as one record's. */
export function settingEntityId(key: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha1').update(key).digest('hex').slice(0, 24));
}

/** Field-level differences between two plain records, for the audit trail. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: readonly string[]): AuditChange[] {
  const changes: AuditChange[] = [];
  for (const field of fields) {
    const a = before[field] ?? null;
    const b = after[field] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) changes.push({ field, before: a, after: b });
  }
  return changes;
}
