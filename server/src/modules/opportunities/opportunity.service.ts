// Opportunities (商机): a deal moving through a stage set, with its stage history (who, when, time
// spent in each stage), a reason when lost, and a contract draft when won. Every query runs under
// the request scope; a stage move is one write conditioned on the stage it read.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type EventPublisher } from '../../core/events.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { calendarDay, money } from '../contracts/contract.input.ts';
import { yuan, type ContractService } from '../contracts/contract.service.ts';
import type { CustomerService, RequestMeta } from '../customers/customer.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { Opportunity, OpportunityModel } from './opportunity.model.ts';
import { defaultStageSets, type Stage, type StageSet, type StageSetInput, type StageSetModel } from './stage-set.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const product = z.object({ name: z.string().trim().min(1).max(100), quantity: z.number().positive().max(1e9), unitPrice: money }).strict();

export const createOpportunityBody = z
  .object({
    customerId: objectId,
    title: z.string().trim().min(1).max(100),
    amount: money,
    expectedCloseOn: calendarDay.nullable().optional(),
    stageSetId: z.string().max(32).default('new'),
    stage: z.string().max(32).optional(),
    ownerId: objectId.optional(),
    products: z.array(product).max(50).default([]),
    nextStep: z.string().trim().max(200).nullable().optional(),
  })
  .strict();

export const updateOpportunityBody = z
  .object({
    version: z.number().int().min(1),
    title: z.string().trim().min(1).max(100).optional(),
    amount: money.optional(),
    expectedCloseOn: calendarDay.nullable().optional(),
    ownerId: objectId.optional(),
    products: z.array(product).max(50).optional(),
    nextStep: z.string().trim().max(200).nullable().optional(),
  })
  .strict();

export const moveStageBody = z
  .object({
    stage: z.string().max(32),
    /** a lost opportunity needs a reason from the lostReason dictionary */
    lostReason: z.string().trim().max(50).optional(),
    /** on a win: create the contract draft from the opportunity */
    createContract: z.boolean().default(false),
  })
  .strict();

export type CreateOpportunityInput = z.infer<typeof createOpportunityBody>;
export type UpdateOpportunityInput = z.infer<typeof updateOpportunityBody>;
export type MoveStageInput = z.infer<typeof moveStageBody>;

export interface OpportunityListQuery {
  status?: 'open' | 'won' | 'lost';
  stageSetId?: string;
  stage?: string;
  customerId?: string;
  mine?: boolean;
  limit: number;
  cursor?: string;
}

export class OpportunityService {
  private readonly deps: {
    opportunities: OpportunityModel;
    stageSets: StageSetModel;
    customers: CustomerService;
    contracts: ContractService;
    dictionaries: DictionaryService;
    org: OrgService;
    audit: AuditService;
    timeline: TimelineService;
    stats: StatsService;
    clock: Clock;
    /** opportunity.stage_changed for webhooks */
    events?: EventPublisher;
  };

  constructor(deps: OpportunityService['deps']) {
    this.deps = deps;
  }

  // ---- stage sets ------------------------------------------------------------------------------

  async seedDefaults(): Promise<void> {
    for (const set of defaultStageSets) {
      await this.deps.stageSets.updateOne({ _id: set._id }, { $setOnInsert: { name: set.name, order: set.order, stages: set.stages } }, { upsert: true });
    }
  }

  async stageSets(): Promise<StageSet[]> {
    return this.deps.stageSets.find({}).sort({ order: 1, _id: 1 }).lean<StageSet[]>();
  }

  async stageSet(id: string): Promise<StageSet> {
    const set = await this.deps.stageSets.findById(id).lean<StageSet>();
    if (!set) throw new AppError('VALIDATION', { messageKey: 'error.opportunity.unknownStage', details: [{ path: 'stageSetId', message: 'unknown stage set' }] });
    return set;
  }

  /** Admins edit a set (or add one); a stage that still holds opportunities cannot be removed. */
  async saveStageSet(scope: RequestScope, id: string, input: StageSetInput): Promise<StageSet> {
    scope.require('settings.manage');
    if (!/^[a-z][a-zA-Z0-9]{0,31}$/.test(id)) throw new AppError('VALIDATION', { details: [{ path: 'id', message: 'letters and digits' }] });
    const existing = await this.deps.stageSets.findById(id).lean<StageSet>();
    for (const removed of existing?.stages.filter((s) => !input.stages.some((n) => n.key === s.key)) ?? []) {
      const count = await this.deps.opportunities.countDocuments({ stageSetId: id, stage: removed.key });
      if (count > 0) throw new AppError('CONFLICT', { messageKey: 'error.stageSet.inUse', params: { stage: removed.name, count } });
    }
    const order = existing?.order ?? (await this.stageSets()).length + 1;
    return this.deps.stageSets
      .findOneAndUpdate({ _id: id }, { $set: { name: input.name, stages: input.stages, order } }, { upsert: true, returnDocument: 'after' })
      .lean<StageSet>()
      .orFail();
  }

  // ---- opportunities ---------------------------------------------------------------------------

  async find(scope: RequestScope, id: string): Promise<Opportunity> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const found = await this.deps.opportunities.findOne({ $and: [{ _id: oid(id) }, scope.filter('opportunity')] }).lean<Opportunity>();
    if (!found) throw notFound();
    return found;
  }

  private canManage(scope: RequestScope, opportunity: Opportunity): boolean {
    if (!scope.can('customer.edit')) return false;
    if (opportunity.ownerId.equals(scope.user.id) || scope.seesAll) return true;
    return scope.seesTeam && opportunity.ownerDepartmentId !== null && scope.departmentSubtree.includes(opportunity.ownerDepartmentId.toHexString());
  }

  async create(scope: RequestScope, input: CreateOpportunityInput, meta: RequestMeta) {
    scope.require('customer.edit');
    const customer = await this.deps.customers.requireFull(scope, input.customerId);
    const owner = input.ownerId
      ? await this.deps.customers.assertAssignable(scope, input.ownerId)
      : { id: oid(scope.user.id), departmentId: scope.user.departmentId ? oid(scope.user.departmentId) : null };
    const set = await this.stageSet(input.stageSetId);
    const stage = input.stage ? stageIn(set, input.stage) : set.stages.find((s) => s.kind === 'open')!;
    if (stage.kind !== 'open') throw new AppError('VALIDATION', { messageKey: 'error.opportunity.unknownStage', details: [{ path: 'stage', message: 'start in an open stage' }] });
    const now = this.deps.clock.now();
    const created = await this.deps.opportunities.create({
      customerId: customer._id,
      title: input.title,
      amountFen: input.amount,
      expectedCloseOn: input.expectedCloseOn ?? null,
      stageSetId: set._id,
      stage: stage.key,
      probability: stage.probability,
      status: 'open',
      lostReason: null,
      ownerId: owner.id,
      ownerDepartmentId: owner.departmentId,
      products: products(input.products),
      nextStep: input.nextStep ?? null,
      stageChangedAt: now,
      history: [{ from: null, to: stage.key, at: now, by: oid(scope.user.id), spentMs: 0 }],
      contractId: null,
      version: 1,
      createdBy: oid(scope.user.id),
      closedAt: null,
    });
    await this.deps.audit.record(scope, meta.client, [{ action: 'opportunity.create', entity: 'opportunity', entityId: created._id, customerId: customer._id }]);
    await this.deps.timeline.append([
      { customerId: customer._id, type: 'opportunityCreated', actorId: scope.user.id, data: { opportunityId: created._id.toHexString(), title: input.title, amountFen: input.amount, stage: stage.name }, key: `opportunityCreated:${created._id}` },
    ]);
    return this.view(scope, created.toObject() as Opportunity);
  }

  async update(scope: RequestScope, id: string, input: UpdateOpportunityInput, meta: RequestMeta) {
    const opportunity = await this.find(scope, id);
    if (!this.canManage(scope, opportunity)) throw new AppError('FORBIDDEN');
    const owner = input.ownerId && !opportunity.ownerId.equals(input.ownerId) ? await this.deps.customers.assertAssignable(scope, input.ownerId) : null;
    const set = {
      ...(input.title !== undefined ? { title: input.title } : {}),
      ...(input.amount !== undefined ? { amountFen: input.amount } : {}),
      ...(input.expectedCloseOn !== undefined ? { expectedCloseOn: input.expectedCloseOn } : {}),
      ...(input.nextStep !== undefined ? { nextStep: input.nextStep } : {}),
      ...(input.products !== undefined ? { products: products(input.products) } : {}),
      ...(owner ? { ownerId: owner.id, ownerDepartmentId: owner.departmentId } : {}),
    };
    const updated = await this.deps.opportunities.findOneAndUpdate({ _id: opportunity._id, version: input.version }, { $set: set, $inc: { version: 1 } }, { returnDocument: 'after' }).lean<Opportunity>();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.opportunity.versionConflict' });
    if (opportunity.status === 'won' && (updated.amountFen !== opportunity.amountFen || !updated.ownerId.equals(opportunity.ownerId))) {
      await this.countWon(opportunity, -1);
      await this.countWon(updated, 1);
    }
    await this.deps.audit.record(scope, meta.client, [{ action: 'opportunity.update', entity: 'opportunity', entityId: opportunity._id, customerId: opportunity.customerId }]);
    return this.view(scope, updated);
  }

  /**
   * Moves to another stage of its set. Losing needs a reason; winning can create the contract
   * draft. The history records how long it spent in the stage it leaves.
   */
  async moveStage(scope: RequestScope, id: string, input: MoveStageInput, meta: RequestMeta) {
    const opportunity = await this.find(scope, id);
    if (!this.canManage(scope, opportunity)) throw new AppError('FORBIDDEN');
    const set = await this.stageSet(opportunity.stageSetId);
    const to = stageIn(set, input.stage);
    if (to.key === opportunity.stage) return this.view(scope, opportunity);
    let lostReason: string | null = null;
    if (to.kind === 'lost') {
      const reasons = (await this.deps.dictionaries.activeValues(['lostReason'])).get('lostReason')!;
      if (!input.lostReason || !reasons.has(input.lostReason)) throw new AppError('VALIDATION', { messageKey: 'error.opportunity.lostReason', details: [{ path: 'lostReason', message: 'required' }] });
      lostReason = input.lostReason;
    }
    const now = this.deps.clock.now();
    const status = to.kind;
    const moved = await this.deps.opportunities
      .findOneAndUpdate(
        { _id: opportunity._id, stage: opportunity.stage, version: opportunity.version },
        {
          $set: { stage: to.key, probability: to.probability, status, lostReason, stageChangedAt: now, closedAt: status === 'open' ? null : now },
          $push: { history: { from: opportunity.stage, to: to.key, at: now, by: oid(scope.user.id), spentMs: now.getTime() - opportunity.stageChangedAt.getTime() } },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<Opportunity>();
    if (!moved) throw new AppError('CONFLICT', { messageKey: 'error.opportunity.versionConflict' });
    // a win counts on the day it was won; leaving the won stage takes it back from that day
    if (opportunity.status === 'won') await this.countWon(opportunity, -1);
    if (moved.status === 'won') await this.countWon(moved, 1);
    const from = set.stages.find((s) => s.key === opportunity.stage);
    await this.deps.audit.record(scope, meta.client, [
      { action: 'opportunity.stage', entity: 'opportunity', entityId: opportunity._id, customerId: opportunity.customerId, changes: [{ field: 'stage', before: opportunity.stage, after: to.key }], ...(lostReason ? { note: lostReason } : {}) },
    ]);
    await this.deps.timeline.append([
      {
        customerId: opportunity.customerId,
        type: 'opportunityStage',
        actorId: scope.user.id,
        data: { opportunityId: opportunity._id.toHexString(), title: opportunity.title, from: from?.name ?? opportunity.stage, to: to.name, ...(lostReason ? { lostReason } : {}) },
        key: `opportunityStage:${opportunity._id}:${moved.version}`,
      },
    ]);
    await publishQuietly(this.deps.events ?? noEvents, [
      {
        type: 'opportunity.stage_changed',
        entity: 'opportunity',
        entityId: opportunity._id.toHexString(),
        data: { ...eventData(moved, ['customerId', 'title', 'stageSetId', 'stage', 'probability', 'status', 'amountFen', 'lostReason', 'ownerId', 'stageChangedAt', 'closedAt', 'version']), from: opportunity.stage },
        occurredAt: now,
      },
    ]);
    if (status === 'won' && input.createContract && !moved.contractId) {
      const contract = await this.deps.contracts.create(
        scope,
        {
          customerId: opportunity.customerId.toHexString(),
          opportunityId: opportunity._id.toHexString(),
          title: opportunity.title,
          amount: opportunity.amountFen,
          items: opportunity.products.map((p) => ({ name: p.name, quantity: p.quantity, unitPrice: p.unitPriceFen })),
          plan: [],
          attachmentIds: [],
        },
        meta,
      );
      await this.deps.opportunities.updateOne({ _id: opportunity._id }, { $set: { contractId: oid(contract.id) } });
      return { ...(await this.get(scope, id)), contract };
    }
    return this.view(scope, moved);
  }

  private async countWon(o: Pick<Opportunity, 'ownerId' | 'closedAt' | 'amountFen'>, sign: 1 | -1): Promise<void> {
    if (!o.closedAt) return;
    await this.deps.stats.add(o.ownerId, o.closedAt, 'wonOpportunities', sign);
    await this.deps.stats.add(o.ownerId, o.closedAt, 'wonFen', sign * o.amountFen);
  }

  async get(scope: RequestScope, id: string) {
    return this.view(scope, await this.find(scope, id));
  }

  async list(scope: RequestScope, query: OpportunityListQuery) {
    const conditions: Record<string, unknown>[] = [scope.filter('opportunity')];
    if (query.status) conditions.push({ status: query.status });
    if (query.stageSetId) conditions.push({ stageSetId: query.stageSetId });
    if (query.stage) conditions.push({ stage: query.stage });
    if (query.customerId) conditions.push({ customerId: (await this.deps.customers.requireFull(scope, query.customerId))._id });
    if (query.mine) conditions.push({ ownerId: oid(scope.user.id) });
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('updatedAt', -1, position, reviveDate));
    const rows = await this.deps.opportunities.find({ $and: conditions }).sort({ updatedAt: -1, _id: -1 }).limit(query.limit + 1).lean<Opportunity[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (o) => o.updatedAt);
    return { items: await this.views(scope, page), nextCursor };
  }

  /**
   * The kanban: for each stage of a set, how many opportunities the caller may see, their amount,
   * the amount weighted by the stage's probability, and the most recently touched of them.
   */
  async board(scope: RequestScope, stageSetId: string, perColumn = 50) {
    const set = await this.stageSet(stageSetId);
    const match = { $and: [scope.filter('opportunity'), { stageSetId: set._id }] };
    const sums = await this.deps.opportunities.aggregate<{ _id: string; count: number; amountFen: number }>([
      { $match: match },
      { $group: { _id: '$stage', count: { $sum: 1 }, amountFen: { $sum: '$amountFen' } } },
    ]);
    const columns = [];
    for (const stage of set.stages) {
      const sum = sums.find((s) => s._id === stage.key);
      const rows = await this.deps.opportunities
        .find({ $and: [match, { stage: stage.key }] })
        .sort({ updatedAt: -1, _id: -1 })
        .limit(perColumn)
        .lean<Opportunity[]>();
      columns.push({
        stage: stage.key,
        name: stage.name,
        kind: stage.kind,
        probability: stage.probability,
        count: sum?.count ?? 0,
        amountFen: sum?.amountFen ?? 0,
        weightedFen: Math.round(((sum?.amountFen ?? 0) * stage.probability) / 100),
        items: await this.views(scope, rows),
      });
    }
    return { stageSet: { id: set._id, name: set.name }, columns };
  }

  /** Of these customers, the ones with an open opportunity (the pool reclaim exempts them). */
  async customersWithOpenOpportunity(customerIds: Types.ObjectId[]): Promise<Set<string>> {
    if (customerIds.length === 0) return new Set();
    const rows = await this.deps.opportunities.find({ customerId: { $in: customerIds }, status: 'open' }, { customerId: 1 }).lean<Opportunity[]>();
    return new Set(rows.map((r) => r.customerId.toHexString()));
  }

  /** Open opportunities whose stage has not moved since the cut-off (the follow-up rule). */
  async *scanOpenSince(cutoff: Date): AsyncGenerator<Opportunity> {
    yield* this.deps.opportunities
      .find({ status: 'open', stageChangedAt: { $lte: cutoff } }, { title: 1, customerId: 1, ownerId: 1, stage: 1, stageSetId: 1, stageChangedAt: 1 })
      .lean<Opportunity[]>()
      .cursor({ batchSize: 500 });
  }

  private async view(scope: RequestScope, opportunity: Opportunity) {
    return (await this.views(scope, [opportunity]))[0]!;
  }

  private async views(scope: RequestScope, rows: Opportunity[]) {
    const people = await this.deps.org.displayNames(rows.flatMap((o) => [o.ownerId, ...o.history.map((h) => h.by)]));
    const customers = await this.deps.customers.namesOf(rows.map((o) => o.customerId));
    const sets = new Map((await this.stageSets()).map((s) => [s._id, s]));
    return rows.map((o) => {
      const stages = sets.get(o.stageSetId)?.stages ?? [];
      const stageName = (key: string | null) => (key ? (stages.find((s) => s.key === key)?.name ?? key) : null);
      return {
        id: o._id.toHexString(),
        customer: { id: o.customerId.toHexString(), name: customers.get(o.customerId.toHexString()) ?? '' },
        title: o.title,
        amountFen: o.amountFen,
        amount: yuan(o.amountFen),
        expectedCloseOn: o.expectedCloseOn,
        stageSetId: o.stageSetId,
        stage: o.stage,
        stageName: stageName(o.stage),
        probability: o.probability,
        status: o.status,
        lostReason: o.lostReason,
        owner: { id: o.ownerId.toHexString(), name: people.get(o.ownerId.toHexString()) ?? '' },
        products: o.products,
        nextStep: o.nextStep,
        stageChangedAt: o.stageChangedAt,
        history: o.history.map((h) => ({ from: stageName(h.from), to: stageName(h.to), at: h.at, by: { id: h.by.toHexString(), name: people.get(h.by.toHexString()) ?? '' }, spentMs: h.spentMs })),
        contractId: o.contractId?.toHexString() ?? null,
        version: o.version,
        externalIds: o.externalIds ?? {},
        canEdit: this.canManage(scope, o),
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
      };
    });
  }
}

function stageIn(set: StageSet, key: string): Stage {
  const stage = set.stages.find((s) => s.key === key);
  if (!stage) throw new AppError('VALIDATION', { messageKey: 'error.opportunity.unknownStage', details: [{ path: 'stage', message: 'not in the stage set' }] });
  return stage;
}

function products(input: CreateOpportunityInput['products']) {
  return input.map((p) => ({ name: p.name, quantity: p.quantity, unitPriceFen: p.unitPrice, amountFen: Math.round(p.quantity * p.unitPrice) }));
}
