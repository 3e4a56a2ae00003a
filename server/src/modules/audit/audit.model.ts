import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface AuditChange {
  field: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry {
  _id: Types.ObjectId;
  at: Date;
  actorId: Types.ObjectId | null;
  /** e.g. customer.create, customer.update, customer.claim, contact.delete, customer.export */
  action: string;
  entity: string;
  entityId: Types.ObjectId;
  /** the customer the entity belongs to, for scoping audit reads */
  customerId: Types.ObjectId | null;
  changes: AuditChange[];
  client: { via: string; requestId?: string; userAgent?: string };
  note?: string;
  /** what an action not tied to one record was about, e.g. an export's resource, filter and row count */
  details?: Record<string, unknown>;
}

const auditSchema = new Schema<AuditEntry>(
  {
    at: { type: Date, required: true },
    actorId: { type: Schema.Types.ObjectId, default: null },
    action: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: Schema.Types.ObjectId, required: true },
    customerId: { type: Schema.Types.ObjectId, default: null },
    changes: { type: [new Schema({ field: String, before: Schema.Types.Mixed, after: Schema.Types.Mixed }, { _id: false })], default: [] },
    client: { type: new Schema({ via: String, requestId: String, userAgent: String }, { _id: false }), required: true },
    note: String,
    details: { type: Schema.Types.Mixed, default: undefined },
  },
  { versionKey: false },
);

auditSchema.index({ entity: 1, entityId: 1, at: -1, _id: -1 });
auditSchema.index({ customerId: 1, at: -1, _id: -1 });
auditSchema.index({ actorId: 1, at: -1, _id: -1 });

export type AuditModel = Model<AuditEntry>;

export function defineAuditModel(connection: Connection): AuditModel {
  return connection.model<AuditEntry>('AuditEntry', auditSchema, 'audit');
}
