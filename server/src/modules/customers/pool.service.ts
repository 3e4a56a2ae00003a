// The public pool (公海): listing, claiming (atomic, with daily, holding and cool-down limits),
// releasing, and transfers between owners including a leaving rep's handover.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay } from '../../core/calendar.ts';
import { AppError, notFound } from '../../core/errors.ts';
import { afterCursor, decodeCursor, pageOf, reviveDate } from '../../core/http/cursor.ts';
import { searchFilter } from '../standards/index.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { ClaimCounterModel } from './claim-counter.model.ts';
import type { Clock } from '../../core/clock.ts';
import type { AuditService } from '../audit/audit.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { StatsService } from '../stats/stats.service.ts';
import type { TimelineService } from '../timeline/timeline.service.ts';
import type { Customer, CustomerModel } from './customer.model.ts';
import type { PoolModel } from './pool.model.ts';
import type { CustomerService, RequestMeta } from './customer.service.ts';
import { customerView } from './customer.view.ts';
import type { Pool } from './pool.model.ts';

export const defaultPoolName = '公海';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

export interface PoolDeps {
  customers: CustomerService;
  /** the same feature's collections: the pool moves customers between owners */
  customerModel: CustomerModel;
  pools: PoolModel;
  claimCounters: ClaimCounterModel;
  settings: SettingsService;
  org: OrgService;
  audit: AuditService;
  timeline: TimelineService;
  stats: StatsService;
  clock: Clock;
}

export class PoolService {
  private readonly deps: PoolDeps;

  constructor(deps: PoolDeps) {
    this.deps = deps;
  }

  private get model() {
    return this.deps.customerModel;
  }

  private get pools() {
    return this.deps.pools;
  }

  private get clock() {
    return this.deps.clock;
  }

  async ensureDefaultPool(): Promise<Pool> {
    try {
      return await this.pools
        .findOneAndUpdate(
          { name: defaultPoolName },
          { $setOnInsert: { name: defaultPoolName, departmentId: null, isDefault: true, createdAt: this.clock.now() } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean<Pool>()
        .orFail();
    } catch (error) {
      if ((error as { code?: number }).code !== 11000) throw error;
      return this.pools.findOne({ name: defaultPoolName }).lean<Pool>().orFail();
    }
  }

  /** Pools the caller sees: company-wide ones and those of their department chain. */
  async visiblePools(scope: RequestScope): Promise<Pool[]> {
    const pools = await this.pools.find({}).sort({ name: 1 }).lean<Pool[]>();
    if (scope.seesAll) return pools;
    const chain = new Set(await this.departmentChain(scope.user.departmentId));
    return pools.filter((p) => !p.departmentId || chain.has(p.departmentId.toHexString()));
  }

  /** The department itself and every department above it. */
  private async departmentChain(departmentId: string | null): Promise<string[]> {
    if (!departmentId) return [];
    return [departmentId, ...(await this.deps.org.departmentAncestors(departmentId))];
  }

  async createPool(scope: RequestScope, input: { name: string; departmentId?: string | null }): Promise<Pool> {
    scope.require('settings.manage');
    try {
      const pool = await this.pools.create({
        name: input.name,
        departmentId: input.departmentId ? oid(input.departmentId) : null,
        isDefault: false,
        createdAt: this.clock.now(),
      });
      return pool.toObject() as Pool;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) throw new AppError('CONFLICT');
      throw error;
    }
  }

  async list(scope: RequestScope, query: { poolId?: string; keyword?: string; limit: number; cursor?: string }) {
    scope.require('customer.view');
    if (scope.role === 'service') return { items: [], nextCursor: null };
    const pools = await this.visiblePools(scope);
    const poolIds = query.poolId ? pools.filter((p) => p._id.toHexString() === query.poolId).map((p) => p._id) : pools.map((p) => p._id);
    if (poolIds.length === 0) return { items: [], nextCursor: null };
    const conditions: Record<string, unknown>[] = [{ 'pool.poolId': { $in: poolIds }, deletedAt: null }];
    if (query.keyword) {
      const search = searchFilter(query.keyword);
      if (search) conditions.push(search);
    }
    const position = decodeCursor(query.cursor);
    if (position) conditions.push(afterCursor('pool.enteredAt', -1, position, reviveDate));
    const rows = await this.model
      .find({ $and: conditions })
      .sort({ 'pool.enteredAt': -1, _id: -1 })
      .limit(query.limit + 1)
      .lean<Customer[]>();
    const { page, nextCursor } = pageOf(rows, query.limit, (c) => c.pool?.enteredAt);
    const names = await this.deps.customers.names(page);
    return { items: page.map((c) => customerView(c, 'pool', scope, names)), nextCursor };
  }

  /** Claims a pool customer: one of two reps claiming at once wins, the other gets CONFLICT. */
  async claim(scope: RequestScope, id: string, meta: RequestMeta) {
    scope.require('customer.create');
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const { customer, access } = await this.deps.customers.findAccessible(scope, id, { allowPool: true });
    if (access !== 'pool' || !customer.pool) throw new AppError('CONFLICT', { messageKey: 'error.customer.notInPool' });
    const visible = (await this.visiblePools(scope)).some((p) => p._id.equals(customer.pool!.poolId));
    if (!visible) throw notFound();

    const settings = await this.deps.settings.get('pool');
    const now = this.clock.now();
    const cooldownStart = new Date(now.getTime() - settings.cooldownDays * 86_400_000);
    const me = oid(scope.user.id);
    if (customer.releases.some((r) => r.userId.equals(me) && r.at > cooldownStart)) {
      throw new AppError('FORBIDDEN', { messageKey: 'error.pool.cooldown', params: { days: settings.cooldownDays } });
    }
    const holding = await this.model.countDocuments({ ownerId: me, deletedAt: null });
    if (holding >= settings.holdingLimit) {
      throw new AppError('FORBIDDEN', { messageKey: 'error.pool.holdingLimit', params: { limit: settings.holdingLimit } });
    }
    const counterId = `${scope.user.id}:${businessDay(now)}`;
    await this.takeDailyClaim(counterId, settings.dailyClaimLimit, businessDay(now));

    const claimed = await this.model
      .findOneAndUpdate(
        {
          _id: customer._id,
          deletedAt: null,
          ownerId: null,
          pool: { $ne: null },
          releases: { $not: { $elemMatch: { userId: me, at: { $gt: cooldownStart } } } },
        },
        {
          $set: {
            ownerId: me,
            ownerDepartmentId: scope.user.departmentId ? oid(scope.user.departmentId) : null,
            ownerSince: now,
            pool: null,
            updatedAt: now,
            updatedBy: me,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<Customer>();
    if (!claimed) {
      await this.deps.claimCounters.updateOne({ _id: counterId }, { $inc: { count: -1 } }); // give the claim back
      throw new AppError('CONFLICT', { messageKey: 'error.customer.notInPool' });
    }
    await this.recordOwnerChange(scope, meta, 'customer.claim', 'claimed', [customer], null, scope.user.id);
    return this.deps.customers.get(scope, id);
  }

  private async takeDailyClaim(counterId: string, limit: number, day: string): Promise<void> {
    try {
      await this.deps.claimCounters.updateOne(
        { _id: counterId, count: { $lt: limit } },
        { $inc: { count: 1 }, $setOnInsert: { day } },
        { upsert: true },
      );
    } catch (error) {
      // the day's counter exists and is at the limit, so the upsert tried to insert a second one
      if ((error as { code?: number }).code === 11000) {
        throw new AppError('FORBIDDEN', { messageKey: 'error.pool.dailyLimit', params: { limit } });
      }
      throw error;
    }
    if (limit === 0) throw new AppError('FORBIDDEN', { messageKey: 'error.pool.dailyLimit', params: { limit } });
  }

  /** Releases a customer to its pool (the owner's department pool, else the default 公海). */
  async release(scope: RequestScope, id: string, reason: string, meta: RequestMeta) {
    const { customer } = await this.deps.customers.findAccessible(scope, id);
    const mayRelease = customer.ownerId?.toHexString() === scope.user.id || scope.can('customer.transfer');
    if (!mayRelease || !customer.ownerId) throw new AppError('FORBIDDEN');
    const pool = await this.poolFor(customer.ownerDepartmentId);
    const now = this.clock.now();
    const released = await this.model.updateOne(
      { _id: customer._id, ownerId: customer.ownerId, deletedAt: null },
      {
        $set: {
          ownerId: null,
          ownerDepartmentId: null,
          ownerSince: null,
          collaboratorIds: [],
          pool: { poolId: pool._id, enteredAt: now, reason },
          updatedAt: now,
          updatedBy: oid(scope.user.id),
        },
        $push: { releases: { $each: [{ userId: customer.ownerId, at: now }], $slice: -20 } },
        $inc: { version: 1 },
      },
    );
    if (released.modifiedCount === 0) throw new AppError('CONFLICT');
    await this.recordOwnerChange(scope, meta, 'customer.release', 'released', [customer], null, null, reason);
    return { id, pool: { id: pool._id.toHexString(), name: pool.name } };
  }

  private async poolFor(departmentId: Types.ObjectId | null): Promise<Pool> {
    if (departmentId) {
      const chain = [departmentId.toHexString(), ...(await this.deps.org.departmentAncestors(departmentId.toHexString()))];
      const pools = await this.pools.find({ departmentId: { $in: chain.map(oid) } }).lean<Pool[]>();
      for (const candidate of chain) {
        const pool = pools.find((p) => p.departmentId?.toHexString() === candidate);
        if (pool) return pool;
      }
    }
    return this.ensureDefaultPool();
  }

  /** Assigns one customer (owned or in a pool) to another user. Managers and admins. */
  async transfer(scope: RequestScope, id: string, toUserId: string, meta: RequestMeta) {
    scope.require('customer.transfer');
    const { customer } = await this.deps.customers.findAccessible(scope, id, { allowPool: true });
    const target = await this.deps.customers.assertAssignable(scope, toUserId);
    const now = this.clock.now();
    const moved = await this.model.updateOne(
      { _id: customer._id, deletedAt: null, ownerId: customer.ownerId },
      {
        $set: { ownerId: target.id, ownerDepartmentId: target.departmentId, ownerSince: now, pool: null, updatedAt: now, updatedBy: oid(scope.user.id) },
        $pull: { collaboratorIds: target.id },
        $inc: { version: 1 },
      },
    );
    if (moved.modifiedCount === 0) throw new AppError('CONFLICT');
    await this.recordOwnerChange(scope, meta, 'customer.transfer', 'ownerChanged', [customer], customer.ownerId, toUserId);
    return this.deps.customers.get(scope, id);
  }

  /** Hands every customer of one user (e.g. a rep who leaves) to another, within the caller's scope. */
  async transferAll(scope: RequestScope, fromUserId: string, toUserId: string, meta: RequestMeta) {
    scope.require('customer.transfer');
    if (!Types.ObjectId.isValid(fromUserId)) throw notFound();
    const target = await this.deps.customers.assertAssignable(scope, toUserId);
    const from = oid(fromUserId);
    const filter = { $and: [{ ownerId: from, deletedAt: null }, scope.filter('customer')] };
    const customers = await this.model.find(filter, { _id: 1, ownerId: 1 }).lean<Customer[]>();
    if (customers.length === 0) return { transferred: 0 };
    const now = this.clock.now();
    const result = await this.model.updateMany(
      { _id: { $in: customers.map((c) => c._id) }, ownerId: from, deletedAt: null },
      {
        $set: { ownerId: target.id, ownerDepartmentId: target.departmentId, ownerSince: now, updatedAt: now, updatedBy: oid(scope.user.id) },
        $pull: { collaboratorIds: target.id },
        $inc: { version: 1 },
      },
    );
    await this.recordOwnerChange(scope, meta, 'customer.transfer', 'ownerChanged', customers, from, toUserId, 'handover');
    return { transferred: result.modifiedCount };
  }

  private async recordOwnerChange(
    scope: RequestScope,
    meta: RequestMeta,
    action: string,
    event: string,
    customers: Pick<Customer, '_id' | 'ownerId'>[],
    from: Types.ObjectId | null,
    to: string | null,
    note?: string,
  ): Promise<void> {
    // a customer counts as won by whoever owns it: the rollups follow it to its new owner
    const moved = await this.model.find({ _id: { $in: customers.map((c) => c._id) } }).lean<Customer[]>();
    for (const c of moved) {
      const before = from ?? customers.find((x) => x._id.equals(c._id))?.ownerId;
      await this.deps.stats.add(before, c.createdAt, 'newCustomers', -1, c.region?.province ?? '');
      await this.deps.stats.add(to, c.createdAt, 'newCustomers', 1, c.region?.province ?? '');
    }
    const version = this.clock.now().getTime();
    await this.deps.audit.record(
      scope,
      meta.client,
      customers.map((c) => ({
        action,
        entity: 'customer',
        entityId: c._id,
        customerId: c._id,
        changes: [{ field: 'ownerId', before: (from ?? c.ownerId)?.toHexString() ?? null, after: to }],
        ...(note ? { note } : {}),
      })),
    );
    await this.deps.timeline.append(
      customers.map((c) => ({
        customerId: c._id,
        type: event,
        actorId: scope.user.id,
        data: { from: (from ?? c.ownerId)?.toHexString() ?? null, to, ...(note ? { reason: note } : {}) },
        key: `${event}:${c._id}:${version}`,
      })),
    );
    // integrations hear of the new owner (or the pool) like any other change of the customer
    await this.deps.customers.publishMany('customer.updated', moved, this.clock.now());
  }
}
