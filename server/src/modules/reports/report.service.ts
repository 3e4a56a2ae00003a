// Reports. Activity and money come from the daily rollups (a few rows per person and day), the
// funnel from the opportunities themselves; every query starts from the caller's scope. Periods
// are Shanghai calendar days, weeks (Monday first) and months.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError } from '../../core/errors.ts';
import { businessDay, weekStart } from '../../core/calendar.ts';
import type { ContractModel } from '../contracts/contract.model.ts';
import type { PaymentModel } from '../contracts/payment.model.ts';
import type { CustomerModel } from '../customers/customer.model.ts';
import type { CustomerService } from '../customers/customer.service.ts';
import type { TicketModel } from '../tickets/ticket.model.ts';
import type { TicketService } from '../tickets/ticket.service.ts';
import type { OpportunityModel, Opportunity } from '../opportunities/opportunity.model.ts';
import type { OpportunityService } from '../opportunities/opportunity.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import type { DailyStatModel, Measure } from '../stats/daily-stat.model.ts';
import { measures } from '../stats/daily-stat.model.ts';
import { parsePeriod, type TargetService } from '../targets/target.service.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const rankingQuery = z.object({ period: z.string().max(10), measure: z.enum(measures).default('signedFen'), by: z.enum(['user', 'department']).default('user') }).strict();
export const trendQuery = z
  .object({
    measure: z.enum(measures),
    from: day,
    to: day,
    granularity: z.enum(['day', 'week', 'month']).default('day'),
    userId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
    departmentId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from after to', path: ['to'] });
export const regionalQuery = z.object({ period: z.string().max(10), measure: z.enum(['newCustomers', 'signedFen', 'collectedFen']).default('signedFen'), level: z.enum(['province', 'city']).default('province') }).strict();
export const clvQuery = z.object({ by: z.enum(['industry', 'source', 'level']).default('industry') }).strict();
export const serviceQuery = z.object({ period: z.string().max(10) }).strict();

/** CLV buckets in fen: nothing yet, below 1万, 1万–10万, 10万–100万, 100万 and more. */
const clvBuckets = [
  { label: '0', below: 1 },
  { label: '<1万', below: 1_000_000 },
  { label: '1万-10万', below: 10_000_000 },
  { label: '10万-100万', below: 100_000_000 },
  { label: '≥100万', below: Number.POSITIVE_INFINITY },
];

export const funnelQuery = z.object({ stageSetId: z.string().max(32).default('new'), from: day, to: day }).strict();

/** The Monday of a calendar day's week. */

export class ReportService {
  private readonly deps: {
    stats: DailyStatModel;
    customerModel: CustomerModel;
    contractModel: ContractModel;
    paymentModel: PaymentModel;
    ticketModel: TicketModel;
    tickets: TicketService;
    customers: CustomerService;
    opportunityModel: OpportunityModel;
    opportunities: OpportunityService;
    org: OrgService;
    targets: TargetService;
    settings: SettingsService;
  };

  constructor(deps: ReportService['deps']) {
    this.deps = deps;
  }

  /** Whose rollups the caller may read: their own, their team's (managers), everyone's (directors, admins). */
  private statScope(scope: RequestScope): Record<string, unknown> {
    if (scope.seesAll) return {};
    const me = oid(scope.user.id);
    if (scope.seesTeam && scope.departmentSubtree.length) {
      const departments = scope.departmentSubtree.map(oid);
      // A department scope reaches the department's own people, as it reaches their customers, and
      // not the teams below it: a person's own department is the first of their path.
      if (scope.dataScope === 'department') return { departmentPath: departments[0], 'departmentPath.0': departments[0] };
      // a manager's own department is in their subtree, so the path alone reaches them too
      return { departmentPath: { $in: departments } };
    }
    return { userId: me };
  }

  /**
   * 业绩龙虎榜: people or teams by a measure over a period, with target completion where targets
   * exist. A rep sees their own department's ranking (names and totals) when the company allows it.
   */
  async rankings(scope: RequestScope, query: z.infer<typeof rankingQuery>) {
    const range = parsePeriod(query.period);
    let reach = this.statScope(scope);
    if (scope.dataScope === 'self') {
      const { rankingVisible } = await this.deps.settings.get('reports');
      if (rankingVisible && scope.user.departmentId) reach = { departmentPath: oid(scope.user.departmentId) };
    }
    const rows = await this.deps.stats.aggregate<{ _id: Types.ObjectId; value: number; path: Types.ObjectId[] }>([
      { $match: { $and: [reach, { measure: query.measure, day: { $gte: range.firstDay, $lte: range.lastDay } }] } },
      { $group: { _id: '$userId', value: { $sum: '$value' }, path: { $first: '$departmentPath' } } },
    ]);
    if (query.by === 'department') {
      const totals = new Map<string, number>();
      for (const row of rows) {
        const department = row.path[0]?.toHexString();
        if (department) totals.set(department, (totals.get(department) ?? 0) + row.value);
      }
      const names = await this.deps.org.departmentNames([...totals.keys()]);
      return [...totals].map(([id, value]) => ({ id, name: names.get(id) ?? '', value })).sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
    }
    const names = await this.deps.org.displayNames(rows.map((r) => r._id));
    const metric = (['signedFen', 'collectedFen', 'newCustomers', 'visits'] as const).find((m) => m === query.measure);
    const ranked = rows.map((r) => ({ id: r._id.toHexString(), name: names.get(r._id.toHexString()) ?? '', value: r.value })).sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
    if (!metric) return ranked;
    // against each person's target: all of them for managers and above, only their own for a rep
    // looking at their department's ranking (names and totals, nothing more)
    const seesTargets = scope.seesAll || scope.seesTeam;
    const targets = await this.deps.targets.userTargets(seesTargets ? ranked.map((r) => r.id) : [scope.user.id], query.period);
    return ranked.map((r) => {
      const target = targets.get(r.id)?.[metric] || null;
      return { ...r, target, completion: target ? Math.round((r.value / target) * 1000) / 10 : null };
    });
  }

  /** A measure per day, week or month over a range, for the caller's reach (or one person or team in it). */
  async trend(scope: RequestScope, query: z.infer<typeof trendQuery>) {
    const narrow: Record<string, unknown>[] = [this.statScope(scope), { measure: query.measure, day: { $gte: query.from, $lte: query.to } }];
    if (query.userId) narrow.push({ userId: oid(query.userId) });
    if (query.departmentId) narrow.push({ departmentPath: oid(query.departmentId) });
    const days = await this.deps.stats.aggregate<{ _id: string; value: number }>([{ $match: { $and: narrow } }, { $group: { _id: '$day', value: { $sum: '$value' } } }]);
    const bucket = (d: string) => (query.granularity === 'day' ? d : query.granularity === 'week' ? weekStart(d) : d.slice(0, 7));
    const totals = new Map<string, number>();
    for (const d of days) totals.set(bucket(d._id), (totals.get(bucket(d._id)) ?? 0) + d.value);
    return [...totals].map(([period, value]) => ({ period, value })).sort((a, b) => a.period.localeCompare(b.period));
  }

  /**
   * The sales funnel of opportunities created in a period: by current stage (count, amount,
   * weighted), how many reached each stage and moved on to the next, the average time spent in
   * each stage, and why deals were lost.
   */
  async funnel(scope: RequestScope, query: z.infer<typeof funnelQuery>) {
    const set = await this.deps.opportunities.stageSet(query.stageSetId);
    const from = new Date(Date.parse(`${query.from}T00:00:00+08:00`));
    const to = new Date(Date.parse(`${query.to}T00:00:00+08:00`) + 86_400_000);
    const rows = await this.deps.opportunityModel
      .find({ $and: [scope.filter('opportunity'), { stageSetId: set._id, createdAt: { $gte: from, $lt: to } }] }, { stage: 1, status: 1, amountFen: 1, probability: 1, history: 1, lostReason: 1 })
      .limit(100_000)
      .lean<Opportunity[]>();
    const open = set.stages.filter((s) => s.kind === 'open');
    const won = set.stages.find((s) => s.kind === 'won')!;
    const ladder = [...open, won];
    const position = new Map(ladder.map((s, i) => [s.key, i]));
    const reached = ladder.map(() => 0);
    const spent = new Map<string, { total: number; n: number }>();
    const here = new Map<string, { count: number; amountFen: number }>();
    const lost = new Map<string, number>();
    // one pass over the opportunities: where each stands, how far it got, how long it stayed
    for (const o of rows) {
      const at = here.get(o.stage) ?? { count: 0, amountFen: 0 };
      here.set(o.stage, { count: at.count + 1, amountFen: at.amountFen + o.amountFen });
      if (o.status === 'lost') lost.set(o.lostReason ?? '', (lost.get(o.lostReason ?? '') ?? 0) + 1);
      let furthest = position.get(o.stage) ?? -1;
      for (const h of o.history) {
        const step = position.get(h.to);
        if (step !== undefined && step > furthest) furthest = step;
        if (!h.from) continue;
        const s = spent.get(h.from) ?? { total: 0, n: 0 };
        s.total += h.spentMs;
        s.n++;
        spent.set(h.from, s);
      }
      for (let i = 0; i <= furthest; i++) reached[i]!++;
    }
    const stages = set.stages.map((stage) => {
      const { count, amountFen } = here.get(stage.key) ?? { count: 0, amountFen: 0 };
      const index = position.get(stage.key);
      const next = index !== undefined && index + 1 < ladder.length ? reached[index + 1]! : null;
      const time = spent.get(stage.key);
      return {
        stage: stage.key,
        name: stage.name,
        kind: stage.kind,
        count,
        amountFen,
        weightedFen: Math.round((amountFen * stage.probability) / 100),
        reached: index !== undefined ? reached[index]! : count,
        /** share of those that reached this stage and went on to the next, in percent */
        conversion: index !== undefined && next !== null && reached[index]! > 0 ? Math.round((next / reached[index]!) * 1000) / 10 : null,
        averageMs: time ? Math.round(time.total / time.n) : null,
      };
    });
    return { stageSet: { id: set._id, name: set.name }, total: rows.length, stages, lostReasons: [...lost].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count) };
  }

  /** Today's numbers for the caller's reach (a manager's team): the manager home and the digest's link. */
  async today(scope: RequestScope, now: Date) {
    const rows = await this.deps.stats.aggregate<{ _id: Measure; value: number }>([
      { $match: { $and: [this.statScope(scope), { day: businessDay(now) }] } },
      { $group: { _id: '$measure', value: { $sum: '$value' } } },
    ]);
    return { day: businessDay(now), ...Object.fromEntries(measures.map((m) => [m, rows.find((r) => r._id === m)?.value ?? 0])) };
  }

  /**
   * A measure by province or city of the customer. Customers count where they are; money is
   * summed per customer first, then placed by that customer's region.
   */
  async regional(scope: RequestScope, query: z.infer<typeof regionalQuery>) {
    const range = parsePeriod(query.period);
    const field = query.level === 'province' ? 'province' : 'city';
    const totals = new Map<string, number>();
    const add = (place: string | undefined, value: number) => totals.set(place || '未知', (totals.get(place || '未知') ?? 0) + value);
    if (query.measure === 'newCustomers') {
      const rows = await this.deps.customerModel.aggregate<{ _id: string | null; n: number }>([
        { $match: { $and: [scope.filter('customer'), { deletedAt: null, createdAt: { $gte: range.from, $lt: range.to } }] } },
        { $group: { _id: `$region.${field}`, n: { $sum: 1 } } },
      ]);
      for (const r of rows) add(r._id ?? undefined, r.n);
    } else {
      const perCustomer =
        query.measure === 'signedFen'
          ? await this.deps.contractModel.aggregate<{ _id: Types.ObjectId; value: number }>([
              { $match: { $and: [scope.filter('contract'), { signedOn: { $gte: range.firstDay, $lte: range.lastDay }, status: { $in: ['approved', 'active', 'completed', 'terminated'] } }] } },
              { $group: { _id: '$customerId', value: { $sum: '$amountFen' } } },
            ])
          : await this.deps.paymentModel.aggregate<{ _id: Types.ObjectId; value: number }>([
              { $match: { $and: [{ customerId: { $in: await this.deps.customers.visibleIdList(scope) } }, { receivedOn: { $gte: range.firstDay, $lte: range.lastDay }, applied: true }] } },
              { $group: { _id: '$customerId', value: { $sum: '$amountFen' } } },
            ]);
      const places = await this.deps.customerModel.find({ _id: { $in: perCustomer.map((r) => r._id) } }, { region: 1 }).lean<{ _id: Types.ObjectId; region?: Record<string, string> }[]>();
      const placeOf = new Map(places.map((p) => [p._id.toHexString(), p.region?.[field]]));
      for (const r of perCustomer) add(placeOf.get(r._id.toHexString()), r.value);
    }
    return [...totals].map(([place, value]) => ({ place, value })).sort((a, b) => b.value - a.value || a.place.localeCompare(b.place));
  }

  /**
   * Customer lifetime value: what each customer the caller may see has paid in all, its
   * distribution, the average per industry, source or level, and the top customers.
   */
  async clv(scope: RequestScope, query: z.infer<typeof clvQuery>) {
    const visible = await this.deps.customers.visibleIdList(scope);
    const received = await this.deps.paymentModel.aggregate<{ _id: Types.ObjectId; value: number }>([
      { $match: { customerId: { $in: visible }, applied: true } },
      { $group: { _id: '$customerId', value: { $sum: '$amountFen' } } },
    ]);
    const paid = new Map(received.map((r) => [r._id.toHexString(), r.value]));
    const customers = await this.deps.customerModel.find({ _id: { $in: visible } }, { name: 1, industry: 1, source: 1, level: 1 }).lean<{ _id: Types.ObjectId; name: string; industry?: string; source?: string; level?: string }[]>();
    const distribution = clvBuckets.map((b) => ({ bucket: b.label, customers: 0 }));
    const groups = new Map<string, { total: number; n: number }>();
    for (const c of customers) {
      const value = paid.get(c._id.toHexString()) ?? 0;
      distribution[clvBuckets.findIndex((b) => value < b.below)]!.customers++;
      const key = c[query.by] || '未填写';
      const g = groups.get(key) ?? { total: 0, n: 0 };
      groups.set(key, { total: g.total + value, n: g.n + 1 });
    }
    const names = new Map(customers.map((c) => [c._id.toHexString(), c.name]));
    return {
      customers: customers.length,
      totalFen: received.reduce((sum, r) => sum + r.value, 0),
      distribution,
      averages: [...groups].map(([key, g]) => ({ key, customers: g.n, averageFen: Math.round(g.total / g.n) })).sort((a, b) => b.averageFen - a.averageFen),
      top: [...paid].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([id, value]) => ({ id, name: names.get(id) ?? '', valueFen: value })),
    };
  }

  /**
   * Coverage and activity per person in reach: their customers, the share touched in the last 7
   * and 30 days, idle customers by age, and visits per week over the last four weeks.
   */
  async coverage(scope: RequestScope, now: Date) {
    const day = 86_400_000;
    const cut = (days: number) => new Date(now.getTime() - days * day);
    const rows = await this.deps.customerModel.aggregate<{ _id: Types.ObjectId; customers: number; touched7: number; touched30: number; idle30: number; idle90: number }>([
      { $match: { $and: [scope.filter('customer'), { deletedAt: null, ownerId: { $ne: null } }] } },
      {
        $group: {
          _id: '$ownerId',
          customers: { $sum: 1 },
          touched7: { $sum: { $cond: [{ $gte: ['$lastFollowUpAt', cut(7)] }, 1, 0] } },
          touched30: { $sum: { $cond: [{ $gte: ['$lastFollowUpAt', cut(30)] }, 1, 0] } },
          idle30: { $sum: { $cond: [{ $lt: [{ $ifNull: ['$lastFollowUpAt', '$createdAt'] }, cut(30)] }, 1, 0] } },
          idle90: { $sum: { $cond: [{ $lt: [{ $ifNull: ['$lastFollowUpAt', '$createdAt'] }, cut(90)] }, 1, 0] } },
        },
      },
    ]);
    const visits = await this.deps.stats.aggregate<{ _id: Types.ObjectId; n: number }>([
      { $match: { $and: [this.statScope(scope), { measure: 'visits', day: { $gt: businessDay(cut(28)), $lte: businessDay(now) } }] } },
      { $group: { _id: '$userId', n: { $sum: '$value' } } },
    ]);
    const names = await this.deps.org.displayNames(rows.map((r) => r._id));
    const pct = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : 0);
    return rows
      .map((r) => ({
        user: { id: r._id.toHexString(), name: names.get(r._id.toHexString()) ?? '' },
        customers: r.customers,
        touched7: pct(r.touched7, r.customers),
        touched30: pct(r.touched30, r.customers),
        idle: { over30: r.idle30, over90: r.idle90 },
        visitsPerWeek: Math.round(((visits.find((v) => v._id.equals(r._id))?.n ?? 0) / 4) * 10) / 10,
      }))
      .sort((a, b) => a.touched30 - b.touched30 || a.user.id.localeCompare(b.user.id));
  }

  /** Service: tickets opened and resolved in a period, SLA breaches, satisfaction, by category and assignee. */
  async service(scope: RequestScope, query: z.infer<typeof serviceQuery>, now: Date) {
    const range = parsePeriod(query.period);
    // the tickets the caller may see, as the tickets list decides it
    const tickets = await this.deps.ticketModel
      .find({ $and: [await this.deps.tickets.reach(scope), { createdAt: { $gte: range.from, $lt: range.to } }] }, { category: 1, assigneeId: 1, status: 1, dueAt: 1, resolvedAt: 1, satisfaction: 1 })
      .limit(100_000)
      .lean<{ category: string; assigneeId: Types.ObjectId | null; status: string; dueAt: Date; resolvedAt: Date | null; satisfaction: { score: number } | null }[]>();
    const breached = (t: (typeof tickets)[number]) => (t.resolvedAt ? t.resolvedAt > t.dueAt : now > t.dueAt);
    const summarise = (list: typeof tickets) => {
      const rated = list.filter((t) => t.satisfaction);
      return {
        opened: list.length,
        resolved: list.filter((t) => t.resolvedAt).length,
        breached: list.filter(breached).length,
        satisfaction: rated.length ? Math.round((rated.reduce((sum, t) => sum + t.satisfaction!.score, 0) / rated.length) * 10) / 10 : null,
      };
    };
    const byCategory = [...new Set(tickets.map((t) => t.category))].map((category) => ({ category, ...summarise(tickets.filter((t) => t.category === category)) }));
    const assignees = [...new Set(tickets.map((t) => t.assigneeId?.toHexString() ?? ''))];
    const names = await this.deps.org.displayNames(assignees.filter(Boolean));
    const byAssignee = assignees.map((id) => ({ assignee: id ? { id, name: names.get(id) ?? '' } : null, ...summarise(tickets.filter((t) => (t.assigneeId?.toHexString() ?? '') === id)) }));
    return { ...summarise(tickets), byCategory, byAssignee };
  }

  async rebuild(scope: RequestScope, stats: { rebuild(): Promise<unknown> }) {
    scope.require('settings.manage');
    if (!scope.seesAll) throw new AppError('FORBIDDEN');
    return stats.rebuild();
  }
}
