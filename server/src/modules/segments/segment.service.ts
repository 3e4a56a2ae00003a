// Saved segments: named customer filters evaluated under the caller's scope, so the same segment
// counts differently for a rep and for their manager. Transaction facts become id sets computed
// by portable aggregations (sum per customer, distinct customers) and join the list's conditions.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay, dayMs } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import { AppError, notFound } from '../../core/errors.ts';
import type { OrderModel } from '../contracts/order.model.ts';
import type { PaymentModel } from '../contracts/payment.model.ts';
import type { BehaviourModels } from '../behaviour/behaviour.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { Segment, SegmentFilter, SegmentModel } from './segment.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));

export class SegmentService {
  private readonly deps: { segments: SegmentModel; customers: CustomerService; payments: PaymentModel; orders: OrderModel; events: BehaviourModels['events']; clock: Clock };

  constructor(deps: SegmentService['deps']) {
    this.deps = deps;
  }

  async create(scope: RequestScope, input: { name: string; shared: boolean; filter: SegmentFilter }) {
    scope.require('customer.view');
    // a shared segment is a team's vocabulary: managers and admins publish them
    if (input.shared && !scope.seesAll && !scope.seesTeam) throw new AppError('FORBIDDEN');
    const segment = (await this.deps.segments.create({ ...input, ownerId: oid(scope.user.id) })).toObject() as Segment;
    return this.view(segment, await this.count(scope, segment));
  }

  async update(scope: RequestScope, id: string, input: { name: string; shared: boolean; filter: SegmentFilter }) {
    const segment = await this.find(scope, id);
    if (!segment.ownerId.equals(scope.user.id) && !scope.seesAll) throw new AppError('FORBIDDEN');
    if (input.shared && !scope.seesAll && !scope.seesTeam) throw new AppError('FORBIDDEN');
    const updated = await this.deps.segments.findOneAndUpdate({ _id: segment._id }, { $set: input }, { returnDocument: 'after' }).lean<Segment>().orFail();
    return this.view(updated, await this.count(scope, updated));
  }

  async remove(scope: RequestScope, id: string): Promise<void> {
    const segment = await this.find(scope, id);
    if (!segment.ownerId.equals(scope.user.id) && !scope.seesAll) throw new AppError('FORBIDDEN');
    await this.deps.segments.deleteOne({ _id: segment._id });
  }

  /** A segment the caller may use: their own or a shared one. */
  async find(scope: RequestScope, id: string): Promise<Segment> {
    if (!Types.ObjectId.isValid(id)) throw notFound();
    const segment = await this.deps.segments.findById(id).lean<Segment>();
    if (!segment || (!segment.shared && !segment.ownerId.equals(scope.user.id))) throw notFound();
    return segment;
  }

  /** The caller's segments and the shared ones, each with how many of the caller's customers it holds. */
  async list(scope: RequestScope) {
    const [own, shared] = await Promise.all([
      this.deps.segments.find({ ownerId: oid(scope.user.id) }).sort({ updatedAt: -1 }).limit(100).lean<Segment[]>(),
      this.deps.segments.find({ shared: true }).sort({ updatedAt: -1 }).limit(100).lean<Segment[]>(),
    ]);
    const all = [...new Map([...own, ...shared].map((s) => [s._id.toHexString(), s])).values()];
    return Promise.all(all.map(async (s) => this.view(s, await this.count(scope, s))));
  }

  async get(scope: RequestScope, id: string) {
    const segment = await this.find(scope, id);
    return this.view(segment, await this.count(scope, segment));
  }

  /** The customer-list conditions a filter stands for, under the caller's scope. */
  async conditions(scope: RequestScope, filter: SegmentFilter): Promise<Record<string, unknown>[]> {
    const { tagsAll, tagsAny, receivedAtLeast, noOrderForDays, onSiteWithinDays, ...list } = filter;
    const conditions = await this.deps.customers.filterConditions(scope, list);
    if (tagsAll?.length) conditions.push({ tags: { $all: tagsAll } });
    if (tagsAny?.length) conditions.push({ tags: { $in: tagsAny } });
    const now = this.deps.clock.now();
    if (receivedAtLeast) {
      const since = businessDay(new Date(now.getTime() - receivedAtLeast.withinDays * dayMs));
      const rows = await this.deps.payments.aggregate<{ _id: Types.ObjectId; total: number }>([
        { $match: { applied: true, receivedOn: { $gte: since } } },
        { $group: { _id: '$customerId', total: { $sum: '$amountFen' } } },
        { $match: { total: { $gte: receivedAtLeast.amountFen } } },
      ]);
      conditions.push({ _id: { $in: rows.map((r) => r._id) } });
    }
    if (noOrderForDays) {
      const since = businessDay(new Date(now.getTime() - noOrderForDays * dayMs));
      const rows = await this.deps.orders.aggregate<{ _id: Types.ObjectId }>([{ $match: { orderedOn: { $gte: since }, status: { $ne: 'cancelled' } } }, { $group: { _id: '$customerId' } }]);
      conditions.push({ _id: { $nin: rows.map((r) => r._id) } });
    }
    if (onSiteWithinDays) {
      const rows = await this.deps.events.aggregate<{ _id: Types.ObjectId }>([
        { $match: { at: { $gte: new Date(now.getTime() - onSiteWithinDays * dayMs) }, customerId: { $ne: null } } },
        { $group: { _id: '$customerId' } },
      ]);
      conditions.push({ _id: { $in: rows.map((r) => r._id) } });
    }
    return conditions;
  }

  async count(scope: RequestScope, segment: Pick<Segment, 'filter'>): Promise<number> {
    return this.deps.customers.countMatching(await this.conditions(scope, segment.filter));
  }

  /** The customers of a segment the caller may see (ids; campaigns, rules and reports read them). */
  async customerIds(scope: RequestScope, id: string, max = 5000): Promise<Types.ObjectId[]> {
    const segment = await this.find(scope, id);
    return this.deps.customers.idsMatching(await this.conditions(scope, segment.filter), max);
  }

  private view(segment: Segment, count: number) {
    return { id: segment._id.toHexString(), name: segment.name, shared: segment.shared, filter: segment.filter, ownerId: segment.ownerId.toHexString(), count, updatedAt: segment.updatedAt };
  }
}
