// Customers: create, read, list, edit, delete and restore under the request scope, with the entry
// standards, duplicate control (查重), field-level audit and timeline events.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Clock } from '../../core/clock.ts';
import { inBatches } from '../../core/db/batches.ts';
import { encryptedDocument } from '../../core/db/encrypted-fields.ts';
import type { Locks } from '../../core/db/locks.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { eventData, publishQuietly } from '../../core/event-data.ts';
import { noEvents, type DomainEvent, type EventPublisher } from '../../core/events.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import type { Locale } from '../../core/i18n.ts';
import { translate } from '../../core/i18n.ts';
import type { AuditService, ClientInfo } from '../audit/audit.service.ts';
import { diffFields } from '../audit/audit.service.ts';
import type { DictionaryService } from '../dictionaries/dictionary.service.ts';
import type { OrgService } from '../org/org.service.ts';
import { birthdayKey, companyIdentity, mobileKey, normalisePhone, sameCompany, searchFilter } from '../standards/index.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { NewTimelineEvent, TimelineService } from '../timeline/timeline.service.ts';
import {
  companyIdentityOf,
  dedupeKeysOf,
  deriveKeys,
  InputProblems,
  missingFields,
  normaliseCustomerFields,
  type CreateCustomerInput,
  type UpdateCustomerInput,
} from './customer.input.ts';
import { absorbCustomer, reviveMerged, type MergeChoices, type SurvivorFields } from './customer-merge.ts';
import { customerEncryptedPaths, type Customer, type CustomerModel } from './customer.model.ts';
import { customerView, type Access, type Names } from './customer.view.ts';
import type { PoolModel } from './pool.model.ts';

export interface CustomerDeps {
  customers: CustomerModel;
  /** serialises saves of one company name across processes (see saveLocked) */
  locks: Locks;
  pools: PoolModel;
  org: OrgService;
  dictionaries: DictionaryService;
  audit: AuditService;
  timeline: TimelineService;
  /** the reports' daily rollups, kept current by every write that changes what they count */
  stats: StatsService;
  clock: Clock;
  /** domain events (webhooks) published after each create, update and delete */
  events?: EventPublisher;
}

/** What a customer event carries: the record as an integration reads it, without derived keys. */
export const customerEventFields = [
  'type', 'name', 'industry', 'scale', 'level', 'source', 'stage', 'region', 'address', 'phones', 'email', 'website',
  'tags', 'birthday', 'notes', 'ownerId', 'ownerDepartmentId', 'collaboratorIds', 'locked', 'pool', 'version',
  'createdAt', 'updatedAt', 'deletedAt',
] as const;

export interface RequestMeta {
  locale: Locale;
  client: ClientInfo;
  idempotencyKey?: string;
}

export interface DuplicateMatch {
  id: string | null;
  name: string;
  owner: { name: string } | null;
  inPool: boolean;
  matchedBy: ('name' | 'phone')[];
  /** whether the caller may open the existing customer */
  visible: boolean;
}

export type ImportedCustomerInput = Pick<Customer, 'type' | 'name' | 'source' | 'phones' | 'tags'> &
  Partial<Pick<Customer, 'industry' | 'level' | 'stage' | 'region' | 'address' | 'email' | 'website' | 'notes' | 'annualAmountFen' | 'createdAt'>>;

/** Fields an import row fills on a customer that has none: it never overwrites. */
const importFilledFields = ['industry', 'level', 'region', 'address', 'email', 'website', 'annualAmountFen'] as const;

export type DedupeCandidate = Pick<Customer, '_id' | 'type' | 'name' | 'region' | 'address' | 'dedupeKeys' | 'ownerId' | 'pool'>;

export interface QualityFigures {
  ownerId: Types.ObjectId | null;
  departmentId: Types.ObjectId | null;
  customers: number;
  companies: number;
  withPhone: number;
  withRegion: number;
  withIndustry: number;
  withLevel: number;
  withContact: number;
  invalidPhones: number;
  staleIncomplete: number;
  possibleDuplicates: number;
}

export const auditedFields = [
  'type', 'name', 'industry', 'scale', 'level', 'source', 'stage', 'region', 'address', 'phones',
  'email', 'website', 'tags', 'birthday', 'notes', 'collaboratorIds', 'ownerId', 'locked',
] as const;

const dictionaryTypes = ['industry', 'source', 'level', 'scale'] as const;

export const listSorts = {
  updated: { field: 'updatedAt', direction: -1 },
  created: { field: 'createdAt', direction: -1 },
  lastFollowUp: { field: 'lastFollowUpAt', direction: 1 },
  name: { field: 'pinyinKey', direction: 1 },
} as const;

/** The customer list's filters, without paging and sorting. */
export type CustomerFilter = Omit<ListQuery, 'sort' | 'order' | 'limit' | 'cursor'>;

export interface ListQuery {
  owner?: string;
  department?: string;
  stage?: string;
  level?: string;
  industry?: string;
  source?: string;
  province?: string;
  city?: string;
  tag?: string;
  idleDays?: number;
  dueBefore?: Date;
  createdFrom?: Date;
  /** exclusive: the end of the last day */
  createdTo?: Date;
  needsCompletion?: boolean;
  keyword?: string;
  deleted?: boolean;
  sort: keyof typeof listSorts;
  order?: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export type ScannedCustomer = Pick<Customer, '_id' | 'name' | 'stage' | 'ownerId' | 'ownerDepartmentId' | 'lastFollowUpAt' | 'nextFollowUpAt' | 'createdAt'>;

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const isDuplicateKeyError = (error: unknown) => (error as { code?: unknown })?.code === 11000;

export class CustomerService {
  private readonly deps: CustomerDeps;

  constructor(deps: CustomerDeps) {
    this.deps = deps;
  }

  private publish(type: DomainEvent['type'], customer: Customer, at: Date): Promise<void> {
    return this.publishMany(type, [customer], at);
  }

  /** Domain events for customers changed in a batch or by another service (pool moves, imports). */
  publishMany(type: DomainEvent['type'], customers: Customer[], at: Date): Promise<void> {
    return publishQuietly(
      this.deps.events ?? noEvents,
      customers.map((customer) => ({ type, entity: 'customer', entityId: customer._id.toHexString(), data: eventData(customer, customerEventFields), occurredAt: at })),
    );
  }

  // ---- reading -------------------------------------------------------------------------------

  /**
   * The customer if the caller may see it: 'full' within their scope, 'pool' for the limited view
   * of a public-pool customer. Anything else is NOT_FOUND (never confirm that it exists).
   */
  async findAccessible(scope: RequestScope, id: string, options: { allowPool?: boolean } = {}): Promise<{ customer: Customer; access: Access }> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    // by _id alone, the scope applied to the record read (RequestScope.seesCustomer, held equal to
    // the scope filter by a test): every engine serves a bare _id from its primary index, while the
    // embedded one scans the collection for an _id inside an $and with the scope's $or
    const customer = await this.deps.customers.findById(oid(id)).lean<Customer>();
    if (customer && customer.deletedAt === null) {
      if (scope.seesCustomer(customer)) return { customer, access: 'full' };
      if (options.allowPool && scope.role !== 'service' && customer.pool) return { customer, access: 'pool' };
    }
    throw notFound();
  }

  /** For features hanging off a customer (contacts, follow-ups, files): full access or NOT_FOUND. */
  async requireFull(scope: RequestScope, id: string | Types.ObjectId): Promise<Customer> {
    return (await this.findAccessible(scope, String(id))).customer;
  }

  /** Of these customer ids, the ones the caller may see in full. */
  async visibleIds(scope: RequestScope, ids: Types.ObjectId[]): Promise<Set<string>> {
    return new Set((await this.visibleOwners(scope, ids)).keys());
  }

  /** Of these customer ids, the ones the caller may see in full, each with its owner (field rules need it). */
  async visibleOwners(scope: RequestScope, ids: Types.ObjectId[]): Promise<Map<string, Types.ObjectId | null>> {
    if (ids.length === 0) return new Map();
    // read by _id alone (every engine's primary index, however many ids), the scope applied here
    const found = await this.deps.customers
      .find({ _id: { $in: ids } }, { ownerId: 1, ownerDepartmentId: 1, collaboratorIds: 1, deletedAt: 1 })
      .lean<Customer[]>();
    return new Map(found.filter((c) => c.deletedAt === null && scope.seesCustomer(c)).map((c) => [c._id.toHexString(), c.ownerId ?? null]));
  }

  async names(customers: Customer[]): Promise<Names> {
    const userIds = customers.flatMap((c) => [c.ownerId, c.createdBy, ...c.collaboratorIds]);
    const poolIds = [...new Set(customers.map((c) => c.pool && String(c.pool.poolId)).filter((id): id is string => !!id))];
    const [users, departments, pools] = await Promise.all([
      this.deps.org.displayNames(userIds),
      this.deps.org.departmentNames(customers.map((c) => c.ownerDepartmentId)),
      poolIds.length
        ? this.deps.pools.find({ _id: { $in: poolIds } }, { name: 1 }).lean<{ _id: Types.ObjectId; name: string }[]>()
        : Promise.resolve([]),
    ]);
    return { users, departments, pools: new Map(pools.map((p) => [p._id.toHexString(), p.name])) };
  }

  async get(scope: RequestScope, id: string) {
    scope.require('customer.view');
    const { customer, access } = await this.findAccessible(scope, id, { allowPool: true });
    return customerView(customer, access, scope, await this.names([customer]));
  }

  /**
   * The query conditions of the customer list's filters under the caller's scope: the one filter
   * vocabulary the list, bulk actions and segments share.
   */
  async filterConditions(scope: RequestScope, query: CustomerFilter): Promise<Record<string, unknown>[]> {
    scope.require('customer.view');
    const conditions: Record<string, unknown>[] = [scope.filter('customer')];
    if (query.deleted) {
      scope.require('customer.delete');
      conditions.push({ deletedAt: { $ne: null } });
    } else {
      conditions.push({ deletedAt: null });
    }
    if (query.owner) conditions.push({ ownerId: oid(query.owner === 'me' ? scope.user.id : query.owner) });
    if (query.department) {
      const subtree = await this.deps.org.departmentSubtree(query.department);
      conditions.push({ ownerDepartmentId: { $in: subtree.map(oid) } });
    }
    for (const field of ['stage', 'level', 'industry', 'source'] as const) {
      if (query[field]) conditions.push({ [field]: query[field] });
    }
    if (query.province) conditions.push({ 'region.province': query.province });
    if (query.city) conditions.push({ 'region.city': query.city });
    if (query.tag) conditions.push({ tags: query.tag });
    if (query.needsCompletion) conditions.push({ 'needsCompletion.0': { $exists: true } });
    if (query.idleDays !== undefined) {
      const cutoff = new Date(this.deps.clock.now().getTime() - query.idleDays * 86_400_000);
      conditions.push({ $or: [{ lastFollowUpAt: { $lt: cutoff } }, { lastFollowUpAt: null, createdAt: { $lt: cutoff } }] });
    }
    if (query.dueBefore) conditions.push({ nextFollowUpAt: { $ne: null, $lte: query.dueBefore } });
    if (query.createdFrom || query.createdTo) {
      conditions.push({ createdAt: { ...(query.createdFrom ? { $gte: query.createdFrom } : {}), ...(query.createdTo ? { $lt: query.createdTo } : {}) } });
    }
    if (query.keyword) {
      const search = searchFilter(query.keyword);
      if (search) conditions.push(search);
    }
    return conditions;
  }

  /** Ids of the customers matching these conditions (from filterConditions), at most `max`. */
  async idsMatching(conditions: Record<string, unknown>[], max: number): Promise<Types.ObjectId[]> {
    const rows = await this.deps.customers.find({ $and: conditions }, { _id: 1 }).sort({ updatedAt: -1, _id: -1 }).limit(max).lean<{ _id: Types.ObjectId }[]>();
    return rows.map((r) => r._id);
  }

  async countMatching(conditions: Record<string, unknown>[]): Promise<number> {
    return this.deps.customers.countDocuments({ $and: conditions });
  }

  /**
   * The customers matching these conditions (from filterConditions), most recently changed first,
   * read from one cursor and handed out in batches: exports go through a large book without holding it.
   */
  async *scanMatching(conditions: Record<string, unknown>[], options: { batchSize?: number; idsOnly?: boolean } = {}): AsyncGenerator<Customer[]> {
    const batchSize = options.batchSize ?? 500;
    const projection = options.idsOnly ? { _id: 1 } : { searchTokens: 0, releases: 0, deletedKeys: 0, idempotencyKey: 0, mobileKeys: 0, dedupeKeys: 0, dedupeContacts: 0 };
    const cursor = this.deps.customers
      .find({ $and: conditions }, projection)
      .sort({ updatedAt: -1, _id: -1 })
      .lean<Customer[]>()
      .cursor({ batchSize });
    yield* inBatches(cursor as AsyncIterable<Customer> & { close(): Promise<unknown> }, batchSize);
  }

  async list(scope: RequestScope, query: ListQuery) {
    const conditions = await this.filterConditions(scope, query);
    // the recycle bin lists by deletion time, newest first
    const sort = query.deleted ? ({ field: 'deletedAt', direction: -1 } as const) : listSorts[query.sort];
    const direction: 1 | -1 = query.order ? (query.order === 'asc' ? 1 : -1) : sort.direction;
    const position = decodeCursor(query.cursor);
    if (position) {
      conditions.push(afterCursor(sort.field, direction, position, sort.field === 'pinyinKey' ? undefined : reviveDate));
    }
    const rows = await this.deps.customers
      .find({ $and: conditions })
      .sort({ [sort.field]: direction, _id: direction })
      .limit(query.limit + 1)
      .lean<Customer[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (c) => (c as unknown as Record<string, Date | string | null>)[sort.field]);
    const names = await this.names(page);
    return { items: page.map((c) => customerView(c, 'full', scope, names)), nextCursor };
  }

  /**
   * Owned customers for rules and jobs, streamed from the database (never all in memory): those of
   * a stage idle since before `idleBefore`, or due for follow-up by `dueBefore`.
   */
  async *scanOwned(query: {
    stage?: Customer['stage'];
    idleBefore?: Date;
    dueBefore?: Date;
    incomplete?: boolean;
    unlocked?: boolean;
    /** the customer list's filters: level, industry, source, province, city, tag */
    where?: { level?: string; industry?: string; source?: string; province?: string; city?: string; tag?: string };
  }): AsyncGenerator<ScannedCustomer> {
    const filter: Record<string, unknown> = { deletedAt: null, pool: null, ownerId: { $ne: null } };
    if (query.stage) filter.stage = query.stage;
    // idle for the full period: the last follow-up (or the creation) at or before the cut-off
    if (query.idleBefore) filter.$or = [{ lastFollowUpAt: { $lte: query.idleBefore } }, { lastFollowUpAt: null, createdAt: { $lte: query.idleBefore } }];
    if (query.dueBefore) filter.nextFollowUpAt = { $ne: null, $lte: query.dueBefore };
    if (query.incomplete) filter['needsCompletion.0'] = { $exists: true };
    if (query.unlocked) filter.locked = { $ne: true };
    const where = query.where ?? {};
    for (const field of ['level', 'industry', 'source'] as const) if (where[field]) filter[field] = where[field];
    if (where.province) filter['region.province'] = where.province;
    if (where.city) filter['region.city'] = where.city;
    if (where.tag) filter.tags = where.tag;
    const projection = { name: 1, stage: 1, ownerId: 1, ownerDepartmentId: 1, lastFollowUpAt: 1, nextFollowUpAt: 1, createdAt: 1 };
    for await (const customer of this.deps.customers.find(filter, projection).lean<ScannedCustomer[]>().cursor({ batchSize: 1000 })) {
      yield customer as ScannedCustomer;
    }
  }

  /** A team's day: customers it gained in [from, to), and follow-ups due by `to` (those before `from` overdue). */
  async teamDay(departmentIds: string[], from: Date, to: Date): Promise<{ newCustomers: number; dueToday: number; overdue: number }> {
    const departments = { $in: departmentIds.map((id) => oid(id)) };
    const [newCustomers, due, overdue] = await Promise.all([
      this.deps.customers.countDocuments({ ownerDepartmentId: departments, deletedAt: null, createdAt: { $gte: from, $lt: to } }),
      this.deps.customers.countDocuments({ ownerDepartmentId: departments, deletedAt: null, nextFollowUpAt: { $ne: null, $lt: to } }),
      this.deps.customers.countDocuments({ ownerDepartmentId: departments, deletedAt: null, nextFollowUpAt: { $ne: null, $lt: from } }),
    ]);
    return { newCustomers, dueToday: due - overdue, overdue };
  }

  /** Unlocked customers of these departments the reclaim thresholds reach within (from, to]. */
  async reclaimDueCount(departmentIds: string[], days: Record<'lead' | 'prospect' | 'customer', number>, from: Date, to: Date): Promise<number> {
    const departments = { $in: departmentIds.map((id) => oid(id)) };
    const counts = await Promise.all(
      (['lead', 'prospect', 'customer'] as const).map((stage) => {
        const [after, until] = [new Date(from.getTime() - days[stage] * 86_400_000), new Date(to.getTime() - days[stage] * 86_400_000)];
        return this.deps.customers.countDocuments({
          ownerDepartmentId: departments,
          deletedAt: null,
          stage,
          locked: { $ne: true },
          $or: [{ lastFollowUpAt: { $gt: after, $lte: until } }, { lastFollowUpAt: null, createdAt: { $gt: after, $lte: until } }],
        });
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Owned person-customers whose birthday falls on one of these MM-DD keys. */
  async *scanBirthdays(keys: string[]): AsyncGenerator<Pick<Customer, '_id' | 'name' | 'ownerId' | 'birthday'>> {
    const filter: Record<string, unknown> = { birthdayKey: { $in: keys }, type: 'person', deletedAt: null, pool: null, ownerId: { $ne: null } };
    for await (const customer of this.deps.customers.find(filter, { name: 1, ownerId: 1, birthday: 1 }).lean<Customer[]>().cursor({ batchSize: 1000 })) {
      yield customer as Customer;
    }
  }

  /** A customer by id for the service desk, which takes calls from any customer (not deleted). */
  async findForDesk(id: string): Promise<Customer> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const customer = await this.deps.customers.findOne({ _id: oid(id), deletedAt: null }).lean<Customer>();
    if (!customer) throw notFound();
    return customer;
  }

  /** The ids of every customer in the caller's scope (bounded), for records that follow customers. */
  async visibleIdList(scope: RequestScope, max = 50_000): Promise<Types.ObjectId[]> {
    const rows = await this.deps.customers.find({ $and: [{ deletedAt: null }, scope.filter('customer')] }, { _id: 1 }).limit(max).lean<{ _id: Types.ObjectId }[]>();
    return rows.map((r) => r._id);
  }

  /** Each customer's name and last follow-up time (null when never followed up). */
  async lastFollowUps(ids: Types.ObjectId[]): Promise<Map<string, { name: string; at: Date | null }>> {
    if (ids.length === 0) return new Map();
    const found = await this.deps.customers.find({ _id: { $in: ids } }, { name: 1, lastFollowUpAt: 1 }).lean<Customer[]>();
    return new Map(found.map((c) => [c._id.toHexString(), { name: c.name, at: c.lastFollowUpAt ?? null }]));
  }

  /** Customer names by id, for records that point at customers the caller was already cleared for. */
  async namesOf(ids: Types.ObjectId[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const found = await this.deps.customers.find({ _id: { $in: ids } }, { name: 1 }).lean<Customer[]>();
    return new Map(found.map((c) => [c._id.toHexString(), c.name]));
  }

  /** The owner of a customer, deleted or not (the audit trail's field rules). */
  async rawOwner(id: Types.ObjectId): Promise<Types.ObjectId | null> {
    return (await this.deps.customers.findById(id, { ownerId: 1 }).lean<Customer>())?.ownerId ?? null;
  }

  /** Names and owners of owned customers, for features that reach customers through their records. */
  async owners(ids: Types.ObjectId[]): Promise<Map<string, { name: string; ownerId: string }>> {
    if (ids.length === 0) return new Map();
    const found = await this.deps.customers.find({ _id: { $in: ids }, deletedAt: null, ownerId: { $ne: null } }, { name: 1, ownerId: 1 }).lean<Customer[]>();
    return new Map(found.map((c) => [c._id.toHexString(), { name: c.name, ownerId: c.ownerId!.toHexString() }]));
  }

  // ---- duplicate control -----------------------------------------------------------------------

  /** Existing customers that the given name or phones would duplicate; scoped in what they reveal. */
  async findDuplicates(
    scope: RequestScope,
    probe: { type?: Customer['type']; name?: string; phones?: string[]; region?: Customer['region'] | null },
    excludeId?: Types.ObjectId,
  ): Promise<DuplicateMatch[]> {
    const company = probe.name && (probe.type ?? 'company') === 'company' ? companyIdentityOf({ name: probe.name, region: probe.region }) : null;
    const mobiles = (probe.phones ?? [])
      .map((p) => normalisePhone(p))
      .filter((p) => p?.kind === 'mobile')
      .map((p) => mobileKey(p!.value));
    const or: Record<string, unknown>[] = [];
    if (company?.core) or.push({ companyCore: company.core });
    if (mobiles.length) or.push({ mobileKeys: { $in: mobiles } });
    if (or.length === 0) return [];
    const filter: Record<string, unknown> = { $or: or };
    if (excludeId) filter._id = { $ne: excludeId };
    const sameName = (c: Customer) =>
      !!company?.core && !!c.companyKey && sameCompany(company, { core: c.companyCore ?? '', province: c.companyKey.split('|')[1] || null });
    const samePhone = (c: Customer) => !!c.mobileKeys?.some((m) => mobiles.includes(m));
    // the same core in two named provinces is two registrations (济南长青商贸, 武汉长青商贸), not one customer
    const found = (
      await this.deps.customers
        .find(filter, { name: 1, ownerId: 1, pool: 1, companyCore: 1, companyKey: 1, mobileKeys: 1 })
        .limit(20)
        .lean<Customer[]>()
    )
      .filter((c) => sameName(c) || samePhone(c))
      .slice(0, 10);
    if (found.length === 0) return [];
    const [visible, users] = await Promise.all([
      this.visibleIds(scope, found.map((c) => c._id)),
      this.deps.org.displayNames(found.map((c) => c.ownerId)),
    ]);
    return found.map((c) => ({
      // the id only where the caller can act on it (their own, or a pool customer to claim): the
      // name and owner say enough to stop a second entry without handing out another team's ids
      id: visible.has(c._id.toHexString()) || c.pool ? c._id.toHexString() : null,
      name: c.name,
      owner: c.ownerId ? { name: users.get(String(c.ownerId)) ?? '' } : null,
      inPool: !!c.pool,
      matchedBy: [
        ...(sameName(c) ? (['name'] as const) : []),
        ...(samePhone(c) ? (['phone'] as const) : []),
      ],
      visible: visible.has(c._id.toHexString()),
    }));
  }

  private duplicateError(matches: DuplicateMatch[], locale: Locale): AppError {
    const first = matches[0]!;
    const owner = first.owner?.name ?? translate('error.customer.poolOwner', locale);
    return new AppError('DUPLICATE', {
      messageKey: 'error.customer.duplicate',
      params: { name: first.name, owner },
      details: { matches },
    });
  }

  // ---- writing ------------------------------------------------------------------------------

  /** Which users the caller may make a customer's owner. */
  async assertAssignable(scope: RequestScope, userId: string): Promise<{ id: Types.ObjectId; departmentId: Types.ObjectId | null }> {
    const user = Types.ObjectId.isValid(userId) ? await this.deps.org.findUserById(userId) : null;
    const allowed = user?.active && scope.canAssignTo({ id: userId, departmentId: user.departmentId ? user.departmentId.toHexString() : null });
    if (!user || !allowed) throw new AppError('VALIDATION', { messageKey: 'error.customer.ownerNotAllowed', details: [{ path: 'ownerId' }] });
    return { id: user._id, departmentId: user.departmentId ?? null };
  }

  private async assertCollaborators(scope: RequestScope, ids: string[]): Promise<Types.ObjectId[]> {
    if (ids.length === 0) return [];
    const users = await this.deps.org.describeUsers(ids);
    const unknown = ids.filter((id) => !users.get(id)?.active);
    if (unknown.length) throw new AppError('VALIDATION', { details: [{ path: 'collaboratorIds', message: unknown.join(',') }] });
    return [...new Set(ids)].map(oid);
  }

  async create(scope: RequestScope, input: CreateCustomerInput, meta: RequestMeta) {
    scope.require('customer.create');
    const idempotencyKey = meta.idempotencyKey ? `${scope.user.id}:${meta.idempotencyKey}` : undefined;
    if (idempotencyKey) {
      const earlier = await this.deps.customers.findOne({ idempotencyKey }).lean<Customer>();
      if (earlier) return { created: false, customer: await this.get(scope, earlier._id.toHexString()) };
    }
    const problems = new InputProblems(meta.locale);
    const dictionaries = await this.deps.dictionaries.activeValues(dictionaryTypes);
    const fields = normaliseCustomerFields(input, dictionaries, problems);
    if (input.type === 'company' && !fields.industry) problems.add('industry', 'error.customer.industryRequired');
    problems.throwIfAny();

    const owner = await this.assertAssignable(scope, input.ownerId ?? scope.user.id);
    const collaboratorIds = await this.assertCollaborators(scope, input.collaboratorIds);
    return this.saveLocked(fields.type!, fields.name!, () => this.insert(scope, fields, owner, collaboratorIds, idempotencyKey, meta));
  }

  /**
   * Runs a save of a company name under a lock on its core: 新锐投资管理 and 新锐投资管理（广州）
   * are one customer yet two strings, which no unique index can see, so two such saves at once
   * must take turns. Mobiles and identical names are also held by unique indexes.
   */
  private async saveLocked<T>(type: Customer['type'], name: string, save: () => Promise<T>): Promise<T> {
    const core = type === 'company' ? companyIdentity(name).core : '';
    return core ? this.deps.locks.with(`company:${core}`, save) : save();
  }

  private async insert(
    scope: RequestScope,
    fields: ReturnType<typeof normaliseCustomerFields>,
    owner: { id: Types.ObjectId; departmentId: Types.ObjectId | null },
    collaboratorIds: Types.ObjectId[],
    idempotencyKey: string | undefined,
    meta: RequestMeta,
  ) {
    const duplicates = await this.findDuplicates(scope, { type: fields.type!, name: fields.name!, phones: fields.phones!, region: fields.region });
    if (duplicates.length) throw this.duplicateError(duplicates, meta.locale);

    const now = this.deps.clock.now();
    const me = oid(scope.user.id);
    const complete = { phones: fields.phones!, region: fields.region, level: fields.level, type: fields.type!, industry: fields.industry };
    const doc = {
      ...stripNulls(fields),
      ...deriveKeys({ type: fields.type!, name: fields.name!, phones: fields.phones!, email: fields.email, region: fields.region, address: fields.address }),
      ...(fields.birthday ? { birthdayKey: birthdayKey(fields.birthday) } : {}),
      ownerId: owner.id,
      ownerDepartmentId: owner.departmentId,
      ownerSince: now,
      collaboratorIds,
      needsCompletion: missingFields(complete),
      createdBy: me,
      updatedBy: me,
      createdAt: now,
      updatedAt: now,
      idempotencyKey,
    };
    let created: Customer;
    try {
      created = (await this.deps.customers.create(doc)).toObject() as Customer;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // a concurrent request won: the same retry, or another rep saving the same customer
      if (idempotencyKey) {
        const earlier = await this.deps.customers.findOne({ idempotencyKey }).lean<Customer>();
        if (earlier) return { created: false, customer: await this.get(scope, earlier._id.toHexString()) };
      }
      const matches = await this.findDuplicates(scope, { type: fields.type!, name: fields.name!, phones: fields.phones!, region: fields.region });
      if (matches.length) throw this.duplicateError(matches, meta.locale);
      throw error;
    }
    await this.deps.audit.record(scope, meta.client, [
      { action: 'customer.create', entity: 'customer', entityId: created._id, customerId: created._id },
    ]);
    await this.deps.timeline.append([
      { customerId: created._id, type: 'created', actorId: scope.user.id, data: { stage: created.stage }, key: `created:${created._id}` },
    ]);
    await this.deps.stats.add(created.ownerId, created.createdAt, 'newCustomers', 1, created.region?.province ?? '');
    await this.publish('customer.created', created, now);
    return { created: true, customer: await this.get(scope, created._id.toHexString()) };
  }

  async update(scope: RequestScope, id: string, input: UpdateCustomerInput, meta: RequestMeta) {
    scope.require('customer.edit');
    const { customer } = await this.findAccessible(scope, id);
    const problems = new InputProblems(meta.locale);
    const dictionaries = await this.deps.dictionaries.activeValues(dictionaryTypes);
    const fields = normaliseCustomerFields(input, dictionaries, problems);
    const next = { ...customer, ...fields } as Customer & Record<string, unknown>;
    if (next.type === 'company' && !next.industry) problems.add('industry', 'error.customer.industryRequired');
    problems.throwIfAny();
    const collaboratorIds = input.collaboratorIds ? await this.assertCollaborators(scope, input.collaboratorIds) : undefined;
    if (collaboratorIds) next.collaboratorIds = collaboratorIds;
    if (input.locked !== undefined) {
      scope.require('customer.transfer'); // locking against reclaim is a manager's call
      next.locked = input.locked;
    }

    const keysChange = fields.name !== undefined || fields.type !== undefined || fields.phones !== undefined || fields.region !== undefined;
    const dedupeChange = keysChange || fields.email !== undefined || fields.address !== undefined;
    const changes = diffFields(customer as unknown as Record<string, unknown>, next, auditedFields);
    if (changes.length === 0) return this.get(scope, id);

    const set: Record<string, unknown> = { updatedAt: this.deps.clock.now(), updatedBy: oid(scope.user.id) };
    const unset: Record<string, ''> = {};
    for (const { field, after } of changes) {
      if (after === null || after === undefined) unset[field] = '';
      else set[field] = after;
    }
    set.needsCompletion = missingFields({ phones: next.phones, region: next.region, level: next.level, type: next.type, industry: next.industry });
    if (changes.some((c) => c.field === 'birthday')) {
      if (next.birthday) set.birthdayKey = birthdayKey(next.birthday);
      else unset.birthdayKey = '';
    }
    if (dedupeChange) {
      const keys = deriveKeys({ ...next, contacts: customer.dedupeContacts });
      Object.assign(set, { nameKey: keys.nameKey, pinyinKey: keys.pinyinKey, searchTokens: keys.searchTokens, dedupeKeys: keys.dedupeKeys });
      if (keys.companyKey) Object.assign(set, { companyKey: keys.companyKey, companyCore: keys.companyCore });
      else Object.assign(unset, { companyKey: '', companyCore: '' });
      if (keys.mobileKeys) set.mobileKeys = keys.mobileKeys;
      else unset.mobileKeys = '';
    }
    const write = async (): Promise<Customer | null> => {
      const probe = { type: next.type, name: next.name, phones: next.phones, region: next.region };
      if (keysChange) {
        const duplicates = await this.findDuplicates(scope, probe, customer._id);
        if (duplicates.length) throw this.duplicateError(duplicates, meta.locale);
      }
      try {
        // optimistic concurrency: a stale version (or a change meanwhile, when none is given) conflicts
        return await this.deps.customers
          .findOneAndUpdate(
            { _id: customer._id, version: input.version ?? customer.version, deletedAt: null },
            { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}), $inc: { version: 1 } },
            { returnDocument: 'after' },
          )
          .lean<Customer>();
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        const matches = await this.findDuplicates(scope, probe, customer._id);
        throw matches.length ? this.duplicateError(matches, meta.locale) : error;
      }
    };
    const updated = keysChange ? await this.saveLocked(next.type, next.name, write) : await write();
    if (!updated) throw new AppError('CONFLICT', { messageKey: 'error.customer.versionConflict' });
    await this.deps.audit.record(scope, meta.client, [
      { action: 'customer.update', entity: 'customer', entityId: customer._id, customerId: customer._id, changes },
    ]);
    await this.publish('customer.updated', updated, updated.updatedAt);
    const province = (c: Customer) => c.region?.province ?? '';
    if (!customer.ownerId?.equals(updated.ownerId ?? '') || province(customer) !== province(updated)) {
      await this.deps.stats.add(customer.ownerId, customer.createdAt, 'newCustomers', -1, province(customer));
      await this.deps.stats.add(updated.ownerId, updated.createdAt, 'newCustomers', 1, province(updated));
    }
    if (customer.stage !== updated.stage) {
      await this.deps.stats.add(scope.user.id, this.deps.clock.now(), 'stageMoves', 1);
      await this.deps.timeline.append([
        {
          customerId: customer._id,
          type: 'stageChanged',
          actorId: scope.user.id,
          data: { from: customer.stage, to: updated.stage },
          key: `stage:${customer._id}:${updated.version}`,
        },
      ]);
    }
    return this.get(scope, id);
  }

  /** Soft delete (admins and managers): the record leaves every list and frees its duplicate keys. */
  async remove(scope: RequestScope, id: string, meta: RequestMeta): Promise<void> {
    scope.require('customer.delete');
    const { customer } = await this.findAccessible(scope, id);
    const now = this.deps.clock.now();
    const done = await this.deps.customers.updateOne(
      { _id: customer._id, deletedAt: null },
      {
        $set: {
          deletedAt: now,
          deletedBy: oid(scope.user.id),
          deletedKeys: { companyKey: customer.companyKey, companyCore: customer.companyCore, mobileKeys: customer.mobileKeys },
          updatedAt: now,
        },
        $unset: { companyKey: '', companyCore: '', mobileKeys: '' },
        $inc: { version: 1 },
      },
    );
    if (done.modifiedCount === 0) throw notFound();
    await this.deps.stats.add(customer.ownerId, customer.createdAt, 'newCustomers', -1, customer.region?.province ?? '');
    await this.deps.audit.record(scope, meta.client, [
      { action: 'customer.delete', entity: 'customer', entityId: customer._id, customerId: customer._id },
    ]);
    await this.publish('customer.deleted', { ...customer, deletedAt: now, updatedAt: now, version: customer.version + 1 }, now);
  }

  async restore(scope: RequestScope, id: string, meta: RequestMeta) {
    scope.require('customer.delete');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const customer = await this.deps.customers
      .findOne({ $and: [{ _id: oid(id), deletedAt: { $ne: null } }, scope.filter('customer')] })
      .lean<Customer>();
    if (!customer) throw notFound();
    await this.saveLocked(customer.type, customer.name, async () => {
      const duplicates = await this.findDuplicates(scope, customer, customer._id);
      if (duplicates.length) throw this.duplicateError(duplicates, meta.locale);
      const set: Record<string, unknown> = { deletedAt: null, updatedAt: this.deps.clock.now() };
      if (customer.deletedKeys?.companyKey) set.companyKey = customer.deletedKeys.companyKey;
      if (customer.deletedKeys?.companyCore) set.companyCore = customer.deletedKeys.companyCore;
      if (customer.deletedKeys?.mobileKeys?.length) set.mobileKeys = customer.deletedKeys.mobileKeys;
      try {
        await this.deps.customers.updateOne(
          { _id: customer._id, deletedAt: { $ne: null } },
          { $set: set, $unset: { deletedKeys: '', deletedBy: '' }, $inc: { version: 1 } },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        throw this.duplicateError(await this.findDuplicates(scope, customer, customer._id), meta.locale);
      }
    });
    await this.deps.stats.add(customer.ownerId, customer.createdAt, 'newCustomers', 1, customer.region?.province ?? '');
    await this.deps.audit.record(scope, meta.client, [
      { action: 'customer.restore', entity: 'customer', entityId: customer._id, customerId: customer._id },
    ]);
    const restored = await this.deps.customers.findById(customer._id).lean<Customer>();
    if (restored) await this.publish('customer.updated', restored, restored.updatedAt);
    return this.get(scope, id);
  }

  // ---- merges (K8) -----------------------------------------------------------------------------

  /** Merges `mergedId` into `survivorId`: both must be the caller's in full; returns what changed. */
  async absorb(scope: RequestScope, survivorId: string, mergedId: string, choices: MergeChoices) {
    scope.require('customer.edit');
    scope.require('customer.delete');
    if (survivorId === mergedId) throw new AppError('VALIDATION', { messageKey: 'error.merge.sameCustomer' });
    const [survivor, merged] = await Promise.all([this.requireFull(scope, survivorId), this.requireFull(scope, mergedId)]);
    if (choices.ownerId === 'merged' && merged.ownerId) await this.assertAssignable(scope, String(merged.ownerId));
    const names = [survivor.name, merged.name];
    const change = await this.saveLocked(survivor.type, names.sort()[0]!, () => absorbCustomer(this.deps, scope, survivor, merged, choices));
    return { survivor, merged, ...change };
  }

  /** The customer side of undoing a merge. */
  async revive(survivorId: Types.ObjectId, mergedId: Types.ObjectId, before: SurvivorFields, after: SurvivorFields): Promise<void> {
    await reviveMerged(this.deps, survivorId, mergedId, before, after);
  }

  // ---- imports (K8) ----------------------------------------------------------------------------

  /**
   * Creates many import rows' customers in one write (with their contact people's keys for
   * duplicate detection), once each: a row whose import key exists already answers with that
   * customer, one whose name or mobile another customer holds answers { duplicate: true }.
   */
  async createImportedMany(
    scope: RequestScope,
    items: { input: ImportedCustomerInput; owner: { id: Types.ObjectId; departmentId: Types.ObjectId | null }; importKey: string; contacts: NonNullable<Customer['dedupeContacts']> }[],
  ): Promise<({ id: Types.ObjectId; created: boolean } | { duplicate: true })[]> {
    scope.require('customer.create');
    if (items.length === 0) return [];
    const now = this.deps.clock.now();
    const me = oid(scope.user.id);
    const docs = items.map(({ input, owner, importKey, contacts }) =>
      new this.deps.customers({
        ...input,
        stage: input.stage ?? 'lead',
        ...deriveKeys({ ...input, contacts }),
        dedupeContacts: contacts,
        ownerId: owner.id,
        ownerDepartmentId: owner.departmentId,
        ownerSince: now,
        needsCompletion: missingFields({ phones: input.phones, region: input.region, level: input.level, type: input.type, industry: input.industry }),
        createdBy: me,
        updatedBy: me,
        createdAt: input.createdAt ?? now,
        updatedAt: now,
        importKey,
      }).toObject() as Customer,
    );
    const failed = new Map<number, number>(); // index → error code
    try {
      await this.deps.customers.collection.insertMany(docs.map((doc) => encryptedDocument(doc, customerEncryptedPaths)), { ordered: false });
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code: number }[] | { index: number; code: number } }).writeErrors;
      if (!writeErrors) throw error;
      for (const e of Array.isArray(writeErrors) ? writeErrors : [writeErrors]) {
        if (e.code !== 11000) throw error;
        failed.set(e.index, e.code);
      }
    }
    // a failed row is either the same row written before (resumed) or someone else's customer
    const retried = failed.size
      ? new Map(
          (await this.deps.customers.find({ importKey: { $in: [...failed.keys()].map((i) => items[i]!.importKey) } }, { importKey: 1 }).lean<Customer[]>()).map((c) => [c.importKey!, c._id]),
        )
      : new Map<string, Types.ObjectId>();
    const created = docs.filter((_, i) => !failed.has(i));
    await this.publishMany('customer.created', created as unknown as Customer[], now);
    await this.deps.timeline.append(
      created.map((c) => ({ customerId: c._id, type: 'created', actorId: scope.user.id, data: { stage: c.stage, imported: true }, key: `created:${c._id}` })),
    );
    await this.deps.stats.addMany(created.map((c) => ({ userId: c.ownerId, when: c.createdAt, measure: 'newCustomers' as const, delta: 1, province: c.region?.province ?? '' })));
    return docs.map((doc, i) => {
      if (!failed.has(i)) return { id: doc._id, created: true };
      const earlier = retried.get(items[i]!.importKey);
      return earlier ? { id: earlier, created: false } : { duplicate: true as const };
    });
  }

  /**
   * Adds what import rows know to customers without overwriting anything: empty fields are filled,
   * phones and tags added, several rows into one customer in order. The customers are read in one
   * query under the caller's scope; updates, audit entries and timeline events go in one write
   * each. Safe to repeat. Returns, per item, whether its customer took it (false: not in scope or
   * gone), and the contact people each customer has on record (for adding the rows' people).
   */
  async mergeImportedMany(
    scope: RequestScope,
    items: { id: Types.ObjectId; input: ImportedCustomerInput; key: string }[],
  ): Promise<{ taken: boolean[]; people: Map<string, Customer['dedupeContacts']> }> {
    if (items.length === 0) return { taken: [], people: new Map() };
    const ids = [...new Map(items.map((i) => [i.id.toHexString(), i.id])).values()];
    // read by _id alone (the primary index, however many ids), the scope applied here
    const found = (await this.deps.customers.find({ _id: { $in: ids } }).lean<Customer[]>()).filter((c) => c.deletedAt === null && scope.seesCustomer(c));
    const before = new Map(found.map((c) => [c._id.toHexString(), c]));
    const current = new Map(found.map((c) => [c._id.toHexString(), { ...c }]));
    const fields = new Map<string, Set<string>>();
    const events: NewTimelineEvent[] = [];
    const taken = items.map(({ id, input, key }) => {
      const customer = current.get(id.toHexString());
      if (!customer) return false;
      const next = { ...customer, phones: [...customer.phones], tags: [...new Set([...customer.tags, ...input.tags])] } as Customer;
      for (const field of importFilledFields) {
        if (next[field] == null && input[field] != null) (next as unknown as Record<string, unknown>)[field] = input[field];
      }
      for (const phone of input.phones) if (!next.phones.includes(phone)) next.phones.push(phone);
      const changes = diffFields(customer as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>, auditedFields);
      if (changes.length) {
        current.set(id.toHexString(), next);
        const set = fields.get(id.toHexString()) ?? new Set<string>();
        for (const c of changes) set.add(c.field);
        fields.set(id.toHexString(), set);
        events.push({ customerId: id, type: 'importMerged', actorId: scope.user.id, data: { fields: changes.map((c) => c.field) }, key });
      }
      return true;
    });
    const now = this.deps.clock.now();
    const updateOf = (next: Customer, phones: string[]) => {
      const keys = deriveKeys({ ...next, phones, contacts: next.dedupeContacts });
      const changed = Object.fromEntries(importFilledFields.map((f) => [f, next[f]]).filter(([, v]) => v != null));
      return {
        $set: { ...changed, phones, tags: next.tags, mobileKeys: keys.mobileKeys, searchTokens: keys.searchTokens, dedupeKeys: keys.dedupeKeys, needsCompletion: missingFields({ ...next, phones }), updatedAt: now, updatedBy: oid(scope.user.id) },
        $inc: { version: 1 },
      };
    };
    const touched = [...fields.keys()];
    try {
      await this.deps.customers.bulkWrite(
        // by _id alone (read just now under the scope): the embedded engine finds an _id at once
        touched.map((id) => ({ updateOne: { filter: { _id: oid(id) }, update: updateOf(current.get(id)!, current.get(id)!.phones) } })),
        { ordered: false },
      );
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; code: number }[] | { index: number; code: number } }).writeErrors;
      if (!writeErrors || [writeErrors].flat().some((e) => e.code !== 11000)) throw error;
      // a phone that belongs to another customer stays with that one
      for (const { index } of [writeErrors].flat()) {
        const id = touched[index]!;
        await this.deps.customers.updateOne({ _id: oid(id) }, updateOf(current.get(id)!, before.get(id)!.phones));
      }
    }
    await this.deps.audit.record(
      scope,
      { via: 'import' },
      touched.map((id) => ({
        action: 'customer.importMerge',
        entity: 'customer',
        entityId: oid(id),
        customerId: oid(id),
        changes: diffFields(before.get(id) as unknown as Record<string, unknown>, current.get(id) as unknown as Record<string, unknown>, auditedFields),
      })),
    );
    await this.deps.timeline.append(events);
    // the merged-into customers as they now stand (the batch's write bumped their version)
    await this.publishMany('customer.updated', touched.map((id) => ({ ...current.get(id)!, updatedAt: now, version: current.get(id)!.version + 1 })), now);
    return { taken, people: new Map(found.map((c) => [c._id.toHexString(), c.dedupeContacts])) };
  }

  /** Name, owner and pool state of customers, for duplicate hints shown whatever the caller's scope. */
  async describeForHints(ids: Types.ObjectId[]): Promise<Map<string, { name: string; owner: { name: string } | null; inPool: boolean }>> {
    if (ids.length === 0) return new Map();
    const found = await this.deps.customers.find({ _id: { $in: ids } }, { name: 1, ownerId: 1, pool: 1 }).lean<Customer[]>();
    const users = await this.deps.org.displayNames(found.map((c) => c.ownerId));
    return new Map(
      found.map((c) => [c._id.toHexString(), { name: c.name, owner: c.ownerId ? { name: users.get(String(c.ownerId)) ?? '' } : null, inPool: !!c.pool }]),
    );
  }

  // ---- data quality (K8) ------------------------------------------------------------------------

  /**
   * The weekly cleaning's flags, set on each customer whose flags change: phones that fail the
   * entry standard, key fields missing for over 30 days, duplicates left in the review queue.
   * Nothing is deleted. Returns how many customers carry each flag.
   */
  async flagQuality(now: Date, staleDuplicates: Set<string>): Promise<Record<string, number>> {
    const monthAgo = new Date(now.getTime() - 30 * 86_400_000);
    const totals: Record<string, number> = { invalidPhone: 0, staleIncomplete: 0, possibleDuplicate: 0 };
    let writes: { updateOne: { filter: Record<string, unknown>; update: Record<string, unknown> } }[] = [];
    const cursor = this.deps.customers
      .find({ deletedAt: null }, { phones: 1, needsCompletion: 1, createdAt: 1, qualityFlags: 1 })
      .sort({ _id: -1 })
      .lean<Customer[]>()
      .cursor({ batchSize: 1000 });
    for await (const customer of cursor) {
      const flags: string[] = [];
      if (customer.phones.some((p) => !normalisePhone(p))) flags.push('invalidPhone');
      if (customer.needsCompletion.length > 0 && customer.createdAt < monthAgo) flags.push('staleIncomplete');
      if (staleDuplicates.has(customer._id.toHexString())) flags.push('possibleDuplicate');
      for (const flag of flags) totals[flag] = (totals[flag] ?? 0) + 1;
      if ((customer.qualityFlags ?? []).join() === flags.join()) continue;
      writes.push({ updateOne: { filter: { _id: customer._id }, update: flags.length ? { $set: { qualityFlags: flags } } : { $unset: { qualityFlags: '' } } } });
      if (writes.length >= 1000) {
        await this.deps.customers.bulkWrite(writes, { ordered: false });
        writes = [];
      }
    }
    if (writes.length) await this.deps.customers.bulkWrite(writes, { ordered: false });
    return totals;
  }

  /** Completeness and validity per owner, within these conditions (the caller's scope first). */
  async qualityFigures(conditions: Record<string, unknown>[]): Promise<QualityFigures[]> {
    const has = (field: string) => ({ $cond: [{ $gt: [{ $size: { $ifNull: [field, []] } }, 0] }, 1, 0] });
    const set = (field: string) => ({ $cond: [{ $ifNull: [field, false] }, 1, 0] });
    const flagged = (flag: string) => ({ $cond: [{ $in: [flag, { $ifNull: ['$qualityFlags', []] }] }, 1, 0] });
    const rows = await this.deps.customers.aggregate<QualityFigures & { _id: { ownerId: Types.ObjectId | null; departmentId: Types.ObjectId | null } }>([
      { $match: { $and: [{ deletedAt: null }, ...conditions] } },
      {
        $group: {
          _id: { ownerId: '$ownerId', departmentId: '$ownerDepartmentId' },
          customers: { $sum: 1 },
          companies: { $sum: { $cond: [{ $eq: ['$type', 'company'] }, 1, 0] } },
          withPhone: { $sum: has('$phones') },
          withRegion: { $sum: set('$region') },
          withIndustry: { $sum: { $cond: [{ $and: [{ $eq: ['$type', 'company'] }, { $ifNull: ['$industry', false] }] }, 1, 0] } },
          withLevel: { $sum: set('$level') },
          withContact: { $sum: has('$dedupeContacts.names') },
          invalidPhones: { $sum: flagged('invalidPhone') },
          staleIncomplete: { $sum: flagged('staleIncomplete') },
          possibleDuplicates: { $sum: flagged('possibleDuplicate') },
        },
      },
    ]);
    return rows.map(({ _id, ...figures }) => ({ ...figures, ownerId: _id.ownerId, departmentId: _id.departmentId }));
  }

  /** Every stored customer with what duplicate detection compares, a batch at a time (the weekly scan). */
  async *scanForDedupe(batchSize = 1000): AsyncGenerator<DedupeCandidate[]> {
    const cursor = this.deps.customers
      .find({ deletedAt: null }, { type: 1, name: 1, region: 1, address: 1, dedupeKeys: 1, ownerId: 1, pool: 1 })
      .sort({ _id: -1 })
      .lean<DedupeCandidate[]>()
      .cursor({ batchSize });
    yield* inBatches(cursor as AsyncIterable<DedupeCandidate> & { close(): Promise<unknown> }, batchSize);
  }

  /** Customers sharing any of these blocking keys: the candidates duplicate detection scores (null: all of them). */
  async dedupeCandidates(keys: string[], limit: number | null = 2000): Promise<DedupeCandidate[]> {
    if (keys.length === 0) return [];
    const query = this.deps.customers.find({ dedupeKeys: { $in: keys }, deletedAt: null }, { type: 1, name: 1, region: 1, address: 1, dedupeKeys: 1, ownerId: 1, pool: 1 });
    return (limit === null ? query : query.limit(limit)).lean<DedupeCandidate[]>();
  }

  /** The same for many customers at once: one read, one write. */
  async setDedupeContactsMany(contacts: Map<string, NonNullable<Customer['dedupeContacts']>>): Promise<void> {
    if (contacts.size === 0) return;
    const customers = await this.deps.customers.find({ _id: { $in: [...contacts.keys()].map(oid) } }).lean<Customer[]>();
    await this.deps.customers.bulkWrite(
      customers.map((customer) => {
        const people = contacts.get(customer._id.toHexString())!;
        return { updateOne: { filter: { _id: customer._id }, update: { $set: { dedupeContacts: people, dedupeKeys: dedupeKeysOf({ ...customer, contacts: people }) } } } };
      }),
      { ordered: false },
    );
  }

  /** The contact people's part of duplicate detection (the contacts feature keeps it current). */
  async setDedupeContacts(customerId: Types.ObjectId, contacts: NonNullable<Customer['dedupeContacts']>): Promise<void> {
    await this.setDedupeContactsMany(new Map([[customerId.toHexString(), contacts]]));
  }

  /**
   * Records a follow-up on the customer in one atomic step: last follow-up (never moved back),
   * next follow-up and, when given, the new stage. Safe to repeat.
   */
  async applyFollowUp(customerId: Types.ObjectId, change: { at: Date; nextAt?: Date | null; stage?: Customer['stage'] }): Promise<void> {
    const set: Record<string, unknown> = {};
    if (change.nextAt !== undefined) set.nextFollowUpAt = change.nextAt;
    if (change.stage) set.stage = change.stage;
    await this.deps.customers.updateOne(
      { _id: customerId },
      { $max: { lastFollowUpAt: change.at }, ...(Object.keys(set).length ? { $set: set } : {}) },
    );
  }
}

function stripNulls<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: Exclude<T[K], null> };
}
