// Follow-ups (跟进记录) and visits. Writing one moves the customer's last/next follow-up and stage
// in one atomic update; a retried POST with the same client key returns the first record and
// repairs whatever a crash after the insert left undone.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { customerStages, type Customer } from '../customers/customer.model.ts';
import { InputProblems } from '../customers/customer.input.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { FileService } from '../files/file.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { FollowUp, FollowUpModel } from './follow-up.model.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const isoDate = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const createFollowUpBody = z
  .object({
    method: z.string().trim().min(1).max(20),
    content: z.string().trim().min(1).max(4000),
    result: z.string().trim().max(2000).optional(),
    nextStep: z.string().trim().max(1000).optional(),
    nextFollowUpAt: isoDate.nullable().optional(),
    contactId: objectId.nullable().optional(),
    stage: z.enum(customerStages).optional(),
    at: isoDate.optional(),
    location: z
      .object({
        lat: z.number().min(-90).max(90),
        lng: z.number().min(-180).max(180),
        accuracy: z.number().min(0).max(100_000).optional(),
        address: z.string().trim().max(200).optional(),
      })
      .strict()
      .nullable()
      .optional(),
    photoIds: z.array(objectId).max(9).default([]),
    clientKey: z.string().max(100).optional(),
  })
  .strict();

export type CreateFollowUpInput = z.infer<typeof createFollowUpBody>;

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

/** Follow-up filters beyond their customer's (exports): when, how, and who logged them. */
export interface FollowUpWhere {
  from?: Date;
  to?: Date;
  method?: string;
  createdBy?: string;
}

function forCustomers(customerIds: Types.ObjectId[], where: FollowUpWhere): Record<string, unknown> {
  const filter: Record<string, unknown> = { customerId: { $in: customerIds } };
  if (where.from || where.to) filter.at = { ...(where.from ? { $gte: where.from } : {}), ...(where.to ? { $lt: where.to } : {}) };
  if (where.method) filter.method = where.method;
  if (where.createdBy) filter.createdBy = new Types.ObjectId(where.createdBy);
  return filter;
}

export class FollowUpService {
  private readonly deps: {
    followUps: FollowUpModel;
    customers: CustomerService;
    dictionaries: DictionaryService;
    files: FileService;
    org: OrgService;
    audit: AuditService;
    timeline: TimelineService;
    clock: Clock;
    contacts: ContactService;
    stats: StatsService;
    /** followup.created for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: FollowUpService['deps']) {
    this.deps = deps;
  }

  async create(scope: RequestScope, customerId: string, input: CreateFollowUpInput, meta: RequestMeta) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, customerId);
    const idempotencyKey = meta.idempotencyKey ? `${scope.user.id}:${meta.idempotencyKey}` : undefined;
    if (idempotencyKey) {
      const earlier = await this.deps.followUps.findOne({ idempotencyKey }).lean<FollowUp>();
      if (earlier) return { created: false, followUp: await this.finish(scope, earlier, customer, meta, false) };
    }

    const problems = new InputProblems(meta.locale);
    const methods = (await this.deps.dictionaries.activeValues(['followUpMethod'])).get('followUpMethod')!;
    if (!methods.has(input.method)) problems.add('method', 'error.customer.notInDictionary');
    const contactId = input.contactId ? oid(input.contactId) : null;
    if (contactId && !(await this.deps.contacts.belongsTo(contactId, customer._id))) problems.add('contactId', 'error.customer.notInDictionary');
    problems.throwIfAny();
    const attached = await this.deps.files.attach(scope, input.photoIds, customer._id.toHexString());
    if (attached.length !== new Set(input.photoIds).size) {
      throw new AppError('VALIDATION', { details: [{ path: 'photoIds', message: 'unknown photo' }] });
    }

    const now = this.deps.clock.now();
    const doc = {
      customerId: customer._id,
      contactId,
      method: input.method,
      content: input.content,
      result: input.result,
      nextStep: input.nextStep,
      nextFollowUpAt: input.nextFollowUpAt ?? null,
      stageChange: input.stage && input.stage !== customer.stage ? { from: customer.stage, to: input.stage } : null,
      location: input.location ?? null,
      photoIds: attached.map(oid),
      at: input.at && input.at < now ? input.at : now,
      createdBy: oid(scope.user.id),
      createdAt: now,
      idempotencyKey,
    };
    let followUp: FollowUp;
    try {
      followUp = (await this.deps.followUps.create(doc)).toObject() as FollowUp;
    } catch (error) {
      if (!isDuplicateKey(error) || !idempotencyKey) throw error;
      const earlier = await this.deps.followUps.findOne({ idempotencyKey }).lean<FollowUp>().orFail();
      return { created: false, followUp: await this.finish(scope, earlier, customer, meta, false) };
    }
    return { created: true, followUp: await this.finish(scope, followUp, customer, meta, true) };
  }

  /** The writes after the insert; each is idempotent, so a retry completes what a crash cut short. */
  private async finish(scope: RequestScope, followUp: FollowUp, customer: Customer, meta: RequestMeta, fresh: boolean) {
    await this.deps.customers.applyFollowUp(customer._id, {
      at: followUp.at,
      ...(followUp.nextFollowUpAt !== null || fresh ? { nextAt: followUp.nextFollowUpAt } : {}),
      ...(followUp.stageChange ? { stage: followUp.stageChange.to } : {}),
    });
    const events = [
      {
        customerId: customer._id,
        type: 'followUp',
        actorId: followUp.createdBy,
        at: followUp.at,
        data: { followUpId: followUp._id.toHexString(), method: followUp.method, content: followUp.content.slice(0, 200) },
        key: `followUp:${followUp._id}`,
      },
    ];
    if (followUp.stageChange) {
      events.push({
        customerId: customer._id,
        type: 'stageChanged',
        actorId: followUp.createdBy,
        at: followUp.at,
        data: { ...followUp.stageChange, followUpId: followUp._id.toHexString() } as never,
        key: `followUpStage:${followUp._id}`,
      });
    }
    await this.deps.timeline.append(events);
    if (fresh) {
      await this.deps.stats.add(followUp.createdBy, followUp.at, 'followUps', 1);
      if (followUp.method === 'visit') await this.deps.stats.add(followUp.createdBy, followUp.at, 'visits', 1);
      if (followUp.stageChange) await this.deps.stats.add(followUp.createdBy, followUp.at, 'stageMoves', 1);
      await this.deps.audit.record(scope, meta.client, [
        { action: 'followUp.create', entity: 'followUp', entityId: followUp._id, customerId: customer._id },
      ]);
      await publishQuietly(this.deps.events ?? noEvents, [
        {
          type: 'followup.created',
          entity: 'followup',
          entityId: followUp._id.toHexString(),
          data: eventData(followUp, ['customerId', 'contactId', 'method', 'content', 'result', 'nextStep', 'nextFollowUpAt', 'stageChange', 'location', 'at', 'createdBy', 'createdAt']),
          occurredAt: followUp.createdAt,
        },
      ]);
    }
    return (await this.views([followUp]))[0]!;
  }

  async views(followUps: FollowUp[]) {
    const users = await this.deps.org.displayNames(followUps.map((f) => f.createdBy));
    return followUps.map((f) => ({
      id: f._id.toHexString(),
      customerId: f.customerId.toHexString(),
      contactId: f.contactId?.toHexString() ?? null,
      method: f.method,
      content: f.content,
      result: f.result ?? null,
      nextStep: f.nextStep ?? null,
      nextFollowUpAt: f.nextFollowUpAt,
      stageChange: f.stageChange,
      location: f.location,
      photos: f.photoIds.map((id) => ({ id: id.toHexString(), url: `/api/files/${id.toHexString()}` })),
      at: f.at,
      createdAt: f.createdAt,
      createdBy: { id: f.createdBy.toHexString(), name: users.get(f.createdBy.toHexString()) ?? '' },
    }));
  }

  private async page(filter: Record<string, unknown>, limit: number, cursor?: string) {
    const conditions: Record<string, unknown>[] = [filter];
    const position = decodeCursor(cursor);
    if (position) conditions.push(afterCursor('at', -1, position, reviveDate));
    const rows = await this.deps.followUps.find({ $and: conditions }).sort({ at: -1, _id: -1 }).limit(limit + 1).lean<FollowUp[]>();
    const { page, nextCursor } = pageOf(rows, limit, (f) => f.at);
    return { items: await this.views(page), nextCursor };
  }

  /** The follow-ups of customers the caller was already cleared for (exports), newest first per customer, from a cursor. */
  async *scanForCustomers(customerIds: Types.ObjectId[], where: FollowUpWhere = {}): AsyncGenerator<FollowUp> {
    if (customerIds.length === 0) return;
    const cursor = this.deps.followUps
      .find(forCustomers(customerIds, where), { idempotencyKey: 0 })
      .sort({ customerId: 1, at: -1, _id: -1 })
      .lean<FollowUp[]>()
      .cursor({ batchSize: 1000 });
    try {
      for await (const followUp of cursor) yield followUp as FollowUp;
    } finally {
      await cursor.close();
    }
  }

  async countForCustomers(customerIds: Types.ObjectId[], where: FollowUpWhere = {}): Promise<number> {
    if (customerIds.length === 0) return 0;
    return this.deps.followUps.countDocuments(forCustomers(customerIds, where));
  }

  /** Follow-ups and visits logged by these people in [from, to): for digests and reports. */
  async activityCounts(userIds: string[], from: Date, to: Date): Promise<{ followUps: number; visits: number; active: Set<string> }> {
    if (userIds.length === 0) return { followUps: 0, visits: 0, active: new Set() };
    const rows = await this.deps.followUps.aggregate<{ _id: { user: Types.ObjectId; method: string }; n: number }>([
      { $match: { createdBy: { $in: userIds.map((id) => new Types.ObjectId(id)) }, at: { $gte: from, $lt: to } } },
      { $group: { _id: { user: '$createdBy', method: '$method' }, n: { $sum: 1 } } },
    ]);
    const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0);
    return {
      followUps: sum((row) => row.n),
      visits: sum((row) => (row._id.method === 'visit' ? row.n : 0)),
      active: new Set(rows.map((row) => row._id.user.toHexString())),
    };
  }

  async listForCustomer(scope: RequestScope, customerId: string, limit: number, cursor?: string) {
    const customer = await this.deps.customers.requireFull(scope, customerId);
    return this.page({ customerId: customer._id }, limit, cursor);
  }

  /** A user's own activity (mine=1), or a team member's for their manager. */
  async listByUser(scope: RequestScope, query: { userId?: string; from?: Date; to?: Date; limit: number; cursor?: string }) {
    const userId = query.userId ?? scope.user.id;
    if (userId !== scope.user.id && !scope.seesAll) {
      const user = Types.ObjectId.isValid(userId) ? (await this.deps.org.describeUsers([userId])).get(userId) : undefined;
      const inTeam = scope.seesTeam && !!user?.departmentId && scope.departmentSubtree.includes(user.departmentId);
      if (!inTeam) throw notFound();
    }
    const filter: Record<string, unknown> = { createdBy: oid(userId) };
    if (query.from || query.to) filter.at = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
    return this.page(filter, query.limit, query.cursor);
  }

  /** One follow-up, when the caller sees its customer in full; NOT_FOUND otherwise. */
  async get(scope: RequestScope, id: string) {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const followUp = await this.deps.followUps.findById(id).lean<FollowUp>();
    if (!followUp) throw notFound();
    await this.deps.customers.requireFull(scope, followUp.customerId);
    return (await this.views([followUp]))[0]!;
  }
}
