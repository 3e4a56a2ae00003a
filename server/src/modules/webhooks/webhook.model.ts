// Webhook subscriptions (an admin's URL, the events it wants, the secret that signs them) and the
// delivery queue: one document per (subscription, event), written when the event is published, so
// a delivery survives a restart and its attempts are the log an admin reads.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { encryptedFields } from '../../core/db/encrypted-fields.ts';

export interface WebhookSubscription {
  _id: Types.ObjectId;
  url: string;
  events: string[];
  /** kept as given: the server signs with it, so it cannot be hashed; never shown after creation */
  secret: string;
  active: boolean;
  /** why it stopped: 'failing' when a delivery failed for 24 hours, 'manual' when an admin turned it off */
  disabledReason: 'failing' | 'manual' | null;
  disabledAt: Date | null;
  createdBy: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

export const deliveryStatuses = ['pending', 'paused', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface DeliveryAttempt {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  /** also the X-Kemai-Delivery header: the same on every attempt, so receivers can drop repeats */
  _id: Types.ObjectId;
  subscriptionId: Types.ObjectId;
  /** the event's id (the body's `id`), shared by its deliveries to every subscription */
  eventId: string;
  type: string;
  entity: string;
  entityId: string;
  occurredAt: Date;
  /** the exact bytes sent, so every attempt (and its signature) covers the same body */
  body: string;
  /** pending: waiting or retrying; paused: its subscription is off; delivered and failed are final */
  status: DeliveryStatus;
  /** a test ping: tried once, and its failure never disables the subscription */
  once: boolean;
  attempts: number;
  /** the 24 hours of retries count from here; null until the first attempt */
  firstAttemptAt: Date | null;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** the latest attempts, newest last */
  log: DeliveryAttempt[];
  /** the process sending it, until then (real time: a crashed sender's lease runs out by itself) */
  leaseUntil: Date;
  leaseBy: string | null;
  deliveredAt: Date | null;
  failedAt: Date | null;
  createdAt: Date;
}

const subscriptionSchema = new Schema<WebhookSubscription>(
  {
    url: { type: String, required: true },
    events: { type: [String], required: true },
    secret: { type: String, required: true },
    active: { type: Boolean, required: true },
    disabledReason: { type: String, default: null },
    disabledAt: { type: Date, default: null },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// publishing reads the active ones; the admin list is newest first
subscriptionSchema.index({ active: 1 });
subscriptionSchema.index({ createdAt: -1 });

const attemptSchema = new Schema<DeliveryAttempt>(
  { at: Date, statusCode: { type: Number, default: null }, error: { type: String, default: null }, durationMs: Number },
  { _id: false },
);

const deliverySchema = new Schema<WebhookDelivery>(
  {
    subscriptionId: { type: Schema.Types.ObjectId, required: true },
    eventId: { type: String, required: true },
    type: { type: String, required: true },
    entity: { type: String, required: true },
    entityId: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    body: { type: String, required: true },
    status: { type: String, enum: deliveryStatuses, required: true },
    once: { type: Boolean, default: false },
    attempts: { type: Number, default: 0 },
    firstAttemptAt: { type: Date, default: null },
    nextAttemptAt: { type: Date, required: true },
    lastAttemptAt: { type: Date, default: null },
    lastStatusCode: { type: Number, default: null },
    lastError: { type: String, default: null },
    log: { type: [attemptSchema], default: [] },
    leaseUntil: { type: Date, required: true },
    leaseBy: { type: String, default: null },
    deliveredAt: { type: Date, default: null },
    failedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);
// A subscription's signing secret, and a delivery's body (a customer's phones and emails among
// its data), are stored encrypted under the field key like the records they come from.
encryptedFields(subscriptionSchema, ['secret']);
encryptedFields(deliverySchema, ['body']);
// the sender's queue: pending deliveries that are due, in the order they fell due
deliverySchema.index({ status: 1, nextAttemptAt: 1, occurredAt: 1 });
// order per entity: an earlier delivery of the same record to the same subscription still open
deliverySchema.index({ subscriptionId: 1, entityId: 1, status: 1, occurredAt: 1 });
// a subscription's log, newest first (also pausing and resuming its open deliveries)
deliverySchema.index({ subscriptionId: 1, createdAt: -1 });
// the purge of finished deliveries past their retention
deliverySchema.index({ status: 1, createdAt: 1 });

export type WebhookSubscriptionModel = Model<WebhookSubscription>;
export type WebhookDeliveryModel = Model<WebhookDelivery>;

export function defineWebhookModels(connection: Connection) {
  return {
    webhookSubscriptions: connection.model<WebhookSubscription>('WebhookSubscription', subscriptionSchema, 'webhookSubscriptions'),
    webhookDeliveries: connection.model<WebhookDelivery>('WebhookDelivery', deliverySchema, 'webhookDeliveries'),
  };
}

export type WebhookModels = ReturnType<typeof defineWebhookModels>;
