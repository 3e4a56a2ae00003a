// Webhooks: admins subscribe a URL to domain events; publishing an event queues one delivery per
// listening subscription; a job sends what is due, signed, retrying with backoff for 24 hours, one
// record at a time per subscription (an update never overtakes its create), each delivery held by
// a lease so two server processes never send the same one at once.
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Card } from '../../../../bot-cards/index.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { DomainEvent, EventPublisher } from '../../core/events.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { Logger } from '../../core/logger.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import { diffFields } from '../audit/audit.service.ts';
import type { OrgService } from '../org/org.service.ts';
import { attemptDelivery, backoffMs, retryPolicy, type AttemptOutcome } from './webhook-delivery.ts';
import type { CreateWebhookInput, DeliveriesQuery, UpdateWebhookInput } from './webhook.input.ts';
import type { WebhookDelivery, WebhookModels, WebhookSubscription } from './webhook.model.ts';
import { newSecret } from './signature.ts';
import type { TargetGuard } from './target-guard.ts';
import './messages.ts';

export interface WebhookDeps {
  models: Pick<WebhookModels, 'webhookSubscriptions' | 'webhookDeliveries'>;
  audit: AuditService;
  org: Pick<OrgService, 'activeUserIdsWithRole'>;
  /** the admins' notice when a subscription is turned off (CardService, built after this service) */
  notices: { send(card: Card, userIds: string[]): Promise<unknown> };
  guard: TargetGuard;
  clock: Clock;
  logger: Logger;
  /** WEBHOOK_TIMEOUT_MS */
  timeoutMs: number;
}

/** How long publishing trusts its list of active subscriptions (other processes' edits show after this). */
const subscriptionCacheMs = 5_000;
/** Attempts kept in a delivery's log. */
const logLength = 50;
const batch = 50;
/** Finished deliveries are kept this long for the log, then purged. */
const retentionMs = 30 * 86_400_000;
const never = new Date(0);
const jobClient: ClientInfo = { via: 'job' };

type ActiveSubscription = Pick<WebhookSubscription, '_id' | 'events'>;

export class WebhookService implements EventPublisher {
  private readonly deps: WebhookDeps;
  /** this process, in leases */
  private readonly worker = `webhooks:${randomUUID()}`;
  private active: { until: number; list: ActiveSubscription[] } | null = null;

  constructor(deps: WebhookDeps) {
    this.deps = deps;
  }

  private get subscriptions() {
    return this.deps.models.webhookSubscriptions;
  }

  private get deliveries() {
    return this.deps.models.webhookDeliveries;
  }

  // ---- subscriptions -----------------------------------------------------------------------------

  async list(scope: RequestScope) {
    scope.require('settings.manage');
    const rows = await this.subscriptions.find({}).sort({ createdAt: -1 }).limit(200).lean<WebhookSubscription[]>();
    return { items: rows.map(view) };
  }

  async get(scope: RequestScope, id: string) {
    scope.require('settings.manage');
    return view(await this.find(id));
  }

  async create(scope: RequestScope, input: CreateWebhookInput, client: ClientInfo) {
    scope.require('settings.manage');
    await this.deps.guard.check(input.url);
    const now = this.deps.clock.now();
    const secret = input.secret ?? newSecret();
    const created = (
      await this.subscriptions.create({
        url: input.url,
        events: [...new Set(input.events)],
        secret,
        active: input.active,
        disabledReason: input.active ? null : 'manual',
        disabledAt: input.active ? null : now,
        createdBy: new Types.ObjectId(scope.user.id),
        createdAt: now,
        updatedAt: now,
      })
    ).toObject() as WebhookSubscription;
    this.active = null;
    await this.deps.audit.record(scope, client, [
      { action: 'webhook.create', entity: 'webhook', entityId: created._id, details: { url: created.url, events: created.events, active: created.active } },
    ]);
    // the secret is shown this once, and only when the server made it (the admin knows their own)
    return { ...view(created), ...(input.secret ? {} : { secret }) };
  }

  async update(scope: RequestScope, id: string, input: UpdateWebhookInput, client: ClientInfo) {
    scope.require('settings.manage');
    const before = await this.find(id);
    if (input.url !== undefined && input.url !== before.url) await this.deps.guard.check(input.url);
    const now = this.deps.clock.now();
    const set: Record<string, unknown> = { updatedAt: now };
    if (input.url !== undefined) set.url = input.url;
    if (input.events !== undefined) set.events = [...new Set(input.events)];
    const generated = input.rotateSecret ? newSecret() : undefined;
    if (input.secret ?? generated) set.secret = input.secret ?? generated;
    if (input.active === true && !before.active) Object.assign(set, { active: true, disabledReason: null, disabledAt: null });
    if (input.active === false && before.active) Object.assign(set, { active: false, disabledReason: 'manual', disabledAt: now });
    const after = await this.subscriptions.findOneAndUpdate({ _id: before._id }, { $set: set }, { returnDocument: 'after' }).lean<WebhookSubscription>();
    if (!after) throw notFound();
    this.active = null;
    if (after.active !== before.active) await (after.active ? this.resume(after._id) : this.pause(after._id));
    const changes = diffFields(before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>, ['url', 'events', 'active']);
    await this.deps.audit.record(scope, client, [
      { action: 'webhook.update', entity: 'webhook', entityId: before._id, changes, ...(set.secret ? { note: 'secret changed' } : {}) },
    ]);
    return { ...view(after), ...(generated ? { secret: generated } : {}) };
  }

  async remove(scope: RequestScope, id: string, client: ClientInfo): Promise<void> {
    scope.require('settings.manage');
    const subscription = await this.find(id);
    await this.subscriptions.deleteOne({ _id: subscription._id });
    this.active = null;
    // its queue and log go with it: nothing is left to send to a URL nobody subscribes any more
    await this.deliveries.deleteMany({ subscriptionId: subscription._id });
    await this.deps.audit.record(scope, client, [{ action: 'webhook.delete', entity: 'webhook', entityId: subscription._id, details: { url: subscription.url } }]);
  }

  private async find(id: string): Promise<WebhookSubscription> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const found = await this.subscriptions.findById(id).lean<WebhookSubscription>();
    if (!found) throw notFound();
    return found;
  }

  // ---- the log ---------------------------------------------------------------------------------

  /** A subscription's deliveries, newest first. */
  async deliveryLog(scope: RequestScope, id: string, query: DeliveriesQuery) {
    scope.require('settings.manage');
    const subscription = await this.find(id);
    const conditions: Record<string, unknown>[] = [{ subscriptionId: subscription._id }];
    if (query.status) conditions.push({ status: query.status });
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('createdAt', -1, position, reviveDate));
    const rows = await this.deliveries.find({ $and: conditions }).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<WebhookDelivery[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (d) => d.createdAt);
    return { items: page.map(deliveryView), nextCursor };
  }

  /** Sends a delivery again from the start of a new 24 hours (same delivery id: receivers can tell). */
  async redeliver(scope: RequestScope, deliveryId: string, client: ClientInfo) {
    scope.require('settings.manage');
    if (!Types.ObjectId.isValid(deliveryId)) throw notFound();
    const delivery = await this.deliveries.findById(deliveryId).lean<WebhookDelivery>();
    if (!delivery) throw notFound();
    const subscription = await this.find(delivery.subscriptionId.toHexString());
    if (!subscription.active && !delivery.once) throw new AppError('CONFLICT', { messageKey: 'error.webhook.disabled' });
    const now = this.deps.clock.now();
    const updated = await this.deliveries
      .findOneAndUpdate(
        { _id: delivery._id, leaseUntil: { $lt: new Date() } },
        { $set: { status: 'pending', nextAttemptAt: now, firstAttemptAt: null, deliveredAt: null, failedAt: null } },
        { returnDocument: 'after' },
      )
      .lean<WebhookDelivery>();
    if (!updated) throw new AppError('CONFLICT'); // being sent right now
    await this.deps.audit.record(scope, client, [{ action: 'webhook.redeliver', entity: 'webhook', entityId: subscription._id, details: { deliveryId } }]);
    return deliveryView(updated);
  }

  /** A test event sent now, once, whatever the subscription's events; the answer is its outcome. */
  async ping(scope: RequestScope, id: string, client: ClientInfo) {
    scope.require('settings.manage');
    const subscription = await this.find(id);
    const now = this.deps.clock.now();
    const eventId = new Types.ObjectId().toHexString();
    const created = (
      await this.deliveries.create({
        ...this.queued(subscription._id, eventId, now),
        type: 'ping',
        entity: 'webhook',
        entityId: subscription._id.toHexString(),
        occurredAt: now,
        body: JSON.stringify({ id: eventId, type: 'ping', occurredAt: now.toISOString(), data: { webhookId: subscription._id.toHexString() } }),
        once: true,
      })
    ).toObject() as WebhookDelivery;
    await this.deps.audit.record(scope, client, [{ action: 'webhook.ping', entity: 'webhook', entityId: subscription._id }]);
    const claimed = await this.claim(created);
    if (claimed) await this.attempt(claimed);
    return deliveryView((await this.deliveries.findById(created._id).lean<WebhookDelivery>())!);
  }

  // ---- publishing --------------------------------------------------------------------------------

  /**
   * Queues the events for every active subscription that listens to them. Cheap without
   * subscriptions (a cached empty list, no write); never throws, so the write it follows stands.
   */
  async publish(events: DomainEvent[]): Promise<void> {
    try {
      const subscriptions = await this.activeSubscriptions();
      if (subscriptions.length === 0 || events.length === 0) return;
      const now = this.deps.clock.now();
      const docs = [];
      for (const event of events) {
        const listeners = subscriptions.filter((s) => s.events.includes(event.type));
        if (listeners.length === 0) continue;
        const eventId = new Types.ObjectId().toHexString();
        const body = JSON.stringify({ id: eventId, type: event.type, occurredAt: event.occurredAt.toISOString(), data: event.data });
        for (const subscription of listeners) {
          docs.push({ ...this.queued(subscription._id, eventId, now), type: event.type, entity: event.entity, entityId: event.entityId, occurredAt: event.occurredAt, body, once: false });
        }
      }
      // the _ids are made here, in publishing order: with occurredAt they order one entity's deliveries
      if (docs.length) await this.deliveries.insertMany(docs, { ordered: true });
    } catch (error) {
      this.deps.logger.error({ types: events.map((e) => e.type), error: (error as Error)?.name ?? 'Error' }, 'queueing webhook deliveries failed');
    }
  }

  private queued(subscriptionId: Types.ObjectId, eventId: string, now: Date) {
    return {
      _id: new Types.ObjectId(),
      subscriptionId,
      eventId,
      status: 'pending' as const,
      attempts: 0,
      firstAttemptAt: null,
      nextAttemptAt: now,
      lastAttemptAt: null,
      lastStatusCode: null,
      lastError: null,
      log: [],
      leaseUntil: never,
      leaseBy: null,
      deliveredAt: null,
      failedAt: null,
      createdAt: now,
    };
  }

  private async activeSubscriptions(): Promise<ActiveSubscription[]> {
    if (this.active && this.active.until > Date.now()) return this.active.list;
    const list = await this.subscriptions.find({ active: true }, { events: 1 }).lean<ActiveSubscription[]>();
    this.active = { until: Date.now() + subscriptionCacheMs, list };
    return list;
  }

  // ---- sending -----------------------------------------------------------------------------------

  /** Sends every delivery that is due and not held back by an earlier one of its record. Run by a job. */
  async deliverDue(): Promise<{ delivered: number; failed: number; retrying: number }> {
    const counts = { delivered: 0, failed: 0, retrying: 0 };
    const now = this.deps.clock.now();
    for (;;) {
      const due = await this.deliveries
        .find({ status: 'pending', nextAttemptAt: { $lte: now }, leaseUntil: { $lt: new Date() } })
        .sort({ nextAttemptAt: 1, occurredAt: 1, _id: 1 })
        .limit(batch)
        .lean<WebhookDelivery[]>();
      let progressed = false;
      for (const candidate of due) {
        if (await this.waitsForEarlier(candidate)) continue;
        const claimed = await this.claim(candidate);
        if (!claimed) continue; // another process has it
        progressed = true;
        counts[await this.attempt(claimed)]++;
      }
      if (!progressed || due.length < batch) return counts;
    }
  }

  /**
   * Whether an earlier delivery of the same record to the same subscription is still open. If so,
   * this one is moved to when that one is next tried, so it does not block the queue meanwhile.
   */
  private async waitsForEarlier(delivery: WebhookDelivery): Promise<boolean> {
    const earlier = await this.deliveries
      .findOne(
        {
          subscriptionId: delivery.subscriptionId,
          entityId: delivery.entityId,
          status: { $in: ['pending', 'paused'] },
          $or: [{ occurredAt: { $lt: delivery.occurredAt } }, { occurredAt: delivery.occurredAt, _id: { $lt: delivery._id } }],
        },
        { nextAttemptAt: 1 },
      )
      .lean<Pick<WebhookDelivery, '_id' | 'nextAttemptAt'>>();
    if (!earlier) return false;
    if (earlier.nextAttemptAt > delivery.nextAttemptAt) {
      await this.deliveries.updateOne({ _id: delivery._id, status: 'pending' }, { $set: { nextAttemptAt: earlier.nextAttemptAt } });
    }
    return true;
  }

  private async claim(delivery: Pick<WebhookDelivery, '_id'>): Promise<WebhookDelivery | null> {
    const real = new Date();
    return this.deliveries
      .findOneAndUpdate(
        { _id: delivery._id, status: 'pending', leaseUntil: { $lt: real } },
        // the lease outlives the request's timeout, so it cannot run out while this process sends
        { $set: { leaseUntil: new Date(real.getTime() + this.deps.timeoutMs + 30_000), leaseBy: this.worker } },
        { returnDocument: 'after' },
      )
      .lean<WebhookDelivery>();
  }

  private async attempt(delivery: WebhookDelivery): Promise<'delivered' | 'failed' | 'retrying'> {
    const held = { _id: delivery._id, leaseBy: this.worker };
    const release = { leaseUntil: never, leaseBy: null };
    const subscription = await this.subscriptions.findById(delivery.subscriptionId).lean<WebhookSubscription>();
    if (!subscription) {
      await this.deliveries.deleteOne(held);
      return 'failed';
    }
    if (!subscription.active && !delivery.once) {
      // turned off since it was queued: it waits for the subscription to be enabled again
      await this.deliveries.updateOne(held, { $set: { status: 'paused', ...release } });
      return 'retrying';
    }
    const now = this.deps.clock.now();
    const outcome = await attemptDelivery(
      { id: delivery._id.toHexString(), type: delivery.type, url: subscription.url, secret: subscription.secret, body: delivery.body },
      { guard: this.deps.guard, timeoutMs: this.deps.timeoutMs, at: now },
    );
    const firstAttemptAt = delivery.firstAttemptAt ?? now;
    const entry = { at: now, statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs };
    const record = {
      $inc: { attempts: 1 },
      $push: { log: { $each: [entry], $slice: -logLength } },
    };
    const common = { firstAttemptAt, lastAttemptAt: now, lastStatusCode: outcome.statusCode, lastError: outcome.error, ...release };
    if (outcome.ok) {
      await this.deliveries.updateOne(held, { ...record, $set: { ...common, status: 'delivered', deliveredAt: now } });
      return 'delivered';
    }
    this.deps.logger.warn(
      { deliveryId: String(delivery._id), webhookId: String(subscription._id), statusCode: outcome.statusCode, error: outcome.error, attempts: delivery.attempts + 1 },
      'webhook delivery failed',
    );
    const deadline = firstAttemptAt.getTime() + retryPolicy.windowMs;
    if (delivery.once || now.getTime() >= deadline) {
      await this.deliveries.updateOne(held, { ...record, $set: { ...common, status: 'failed', failedAt: now } });
      if (!delivery.once) await this.disableFailing(subscription, delivery, outcome);
      return 'failed';
    }
    // the last retry falls on the end of the 24 hours, not after it
    const next = new Date(Math.min(now.getTime() + backoffMs(delivery.attempts + 1), deadline));
    await this.deliveries.updateOne(held, { ...record, $set: { ...common, nextAttemptAt: next } });
    return 'retrying';
  }

  /** A delivery failed for 24 hours: the subscription is turned off, its queue paused, the admins told. */
  private async disableFailing(subscription: WebhookSubscription, delivery: WebhookDelivery, outcome: AttemptOutcome): Promise<void> {
    const now = this.deps.clock.now();
    const turnedOff = await this.subscriptions.updateOne(
      { _id: subscription._id, active: true },
      { $set: { active: false, disabledReason: 'failing', disabledAt: now, updatedAt: now } },
    );
    this.active = null;
    if (turnedOff.modifiedCount === 0) return; // already off: told once
    await this.pause(subscription._id);
    await this.deps.audit.record(null, jobClient, [
      {
        action: 'webhook.disable',
        entity: 'webhook',
        entityId: subscription._id,
        note: 'deliveries failed for 24 hours',
        details: { deliveryId: String(delivery._id), lastStatusCode: outcome.statusCode, lastError: outcome.error },
      },
    ]);
    try {
      const admins = await this.deps.org.activeUserIdsWithRole('admin');
      const host = new URL(subscription.url).host;
      await this.deps.notices.send(
        { id: `webhook-off-${subscription._id.toHexString()}-${now.getTime()}`, data: { kind: 'webhookDisabled', webhookId: subscription._id.toHexString(), host, lastError: outcome.error ?? '' } },
        admins,
      );
    } catch (error) {
      // the audit entry and disabledReason stand for the notice
      this.deps.logger.error({ webhookId: String(subscription._id), error: (error as Error)?.name }, 'webhook disabled notice failed');
    }
  }

  /** Holds a subscription's open deliveries while it is off. */
  private async pause(subscriptionId: Types.ObjectId): Promise<void> {
    await this.deliveries.updateMany({ subscriptionId, status: 'pending', once: false }, { $set: { status: 'paused' } });
  }

  /** Sends the held deliveries again once it is on: each gets a new 24 hours. */
  private async resume(subscriptionId: Types.ObjectId): Promise<void> {
    await this.deliveries.updateMany({ subscriptionId, status: 'paused' }, { $set: { status: 'pending', nextAttemptAt: this.deps.clock.now(), firstAttemptAt: null } });
  }

  /** Drops delivered and failed deliveries past the retention. Run daily by a job. */
  async purge(): Promise<number> {
    const before = new Date(this.deps.clock.now().getTime() - retentionMs);
    const done = await this.deliveries.deleteMany({ status: { $in: ['delivered', 'failed'] }, createdAt: { $lt: before } });
    return done.deletedCount;
  }
}

/** A subscription as admins see it: never its secret. */
function view(s: WebhookSubscription) {
  return {
    id: s._id.toHexString(),
    url: s.url,
    events: s.events,
    active: s.active,
    disabledReason: s.disabledReason ?? null,
    disabledAt: s.disabledAt ?? null,
    createdBy: s.createdBy.toHexString(),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

function deliveryView(d: WebhookDelivery) {
  return {
    id: d._id.toHexString(),
    webhookId: d.subscriptionId.toHexString(),
    eventId: d.eventId,
    type: d.type,
    entity: d.entity,
    entityId: d.entityId,
    occurredAt: d.occurredAt,
    status: d.status,
    attempts: d.attempts,
    firstAttemptAt: d.firstAttemptAt,
    lastAttemptAt: d.lastAttemptAt,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    responses: d.log.map((a) => ({ at: a.at, statusCode: a.statusCode, error: a.error, durationMs: a.durationMs })),
    deliveredAt: d.deliveredAt,
    failedAt: d.failedAt,
    createdAt: d.createdAt,
    payload: JSON.parse(d.body) as unknown,
  };
}
