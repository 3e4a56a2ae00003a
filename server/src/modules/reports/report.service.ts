// Reports. Activity and money come from the daily rollups (a few rows per person and day), the
// funnel from the opportunities themselves; every query starts from the caller's scope. Periods
// are Shanghai calendar days, weeks (Monday first) and months.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError } from '../../core/errors.ts';
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
export const funnelQuery = z.object({ stageSetId: z.string().max(32).default('new'), from: day, to: day }).strict();

/** The Monday of a calendar day's week. */
function weekOf(dayText: string): string {
  const date = new Date(`${dayText}T00:00:00Z`);
  const shift = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - shift * 86_400_000).toISOString().slice(0, 10);
}

export class ReportService {
  private readonly deps: {
    stats: DailyStatModel;
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
    if (scope.role === 'manager') return { $or: [{ departmentPath: { $in: scope.departmentSubtree.map(oid) } }, { userId: me }] };
    return { userId: me };
  }

  /**
   * 业绩龙虎榜: people or teams by a measure over a period, with target completion where targets
   * exist. A rep sees their own department's ranking (names and totals) when the company allows it.
   */
  async rankings(scope: RequestScope, query: z.infer<typeof rankingQuery>) {
    const range = parsePeriod(query.period);
    let reach = this.statScope(scope);
    if (scope.role === 'rep' || scope.role === 'service') {
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
    // against each person's target, where the caller may read it
    return Promise.all(
      ranked.map(async (r) => {
        const progress = await this.deps.targets.progress(scope, 'user', r.id, query.period).catch(() => null);
        return { ...r, target: progress?.target[metric] ?? null, completion: progress?.completion[metric] ?? null };
      }),
    );
  }

  /** A measure per day, week or month over a range, for the caller's reach (or one person or team in it). */
  async trend(scope: RequestScope, query: z.infer<typeof trendQuery>) {
    const narrow: Record<string, unknown>[] = [this.statScope(scope), { measure: query.measure, day: { $gte: query.from, $lte: query.to } }];
    if (query.userId) narrow.push({ userId: oid(query.userId) });
    if (query.departmentId) narrow.push({ departmentPath: oid(query.departmentId) });
    const days = await this.deps.stats.aggregate<{ _id: string; value: number }>([{ $match: { $and: narrow } }, { $group: { _id: '$day', value: { $sum: '$value' } } }]);
    const bucket = (d: string) => (query.granularity === 'day' ? d : query.granularity === 'week' ? weekOf(d) : d.slice(0, 7));
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
    for (const o of rows) {
      // the furthest step of the ladder it ever stood on
      const steps = [...o.history.map((h) => h.to), o.stage].map((k) => position.get(k) ?? -1);
      const furthest = Math.max(...steps);
      for (let i = 0; i <= furthest; i++) reached[i]!++;
      for (const h of o.history) {
        if (!h.from) continue;
        const s = spent.get(h.from) ?? { total: 0, n: 0 };
        spent.set(h.from, { total: s.total + h.spentMs, n: s.n + 1 });
      }
    }
    const stages = set.stages.map((stage) => {
      const here = rows.filter((o) => o.stage === stage.key);
      const amountFen = here.reduce((sum, o) => sum + o.amountFen, 0);
      const index = position.get(stage.key);
      const next = index !== undefined && index + 1 < ladder.length ? reached[index + 1]! : null;
      const time = spent.get(stage.key);
      return {
        stage: stage.key,
        name: stage.name,
        kind: stage.kind,
        count: here.length,
        amountFen,
        weightedFen: Math.round((amountFen * stage.probability) / 100),
        reached: index !== undefined ? reached[index]! : here.length,
        /** share of those that reached this stage and went on to the next, in percent */
        conversion: index !== undefined && next !== null && reached[index]! > 0 ? Math.round((next / reached[index]!) * 1000) / 10 : null,
        averageMs: time ? Math.round(time.total / time.n) : null,
      };
    });
    const lost = new Map<string, number>();
    for (const o of rows.filter((r) => r.status === 'lost')) lost.set(o.lostReason ?? '', (lost.get(o.lostReason ?? '') ?? 0) + 1);
    return { stageSet: { id: set._id, name: set.name }, total: rows.length, stages, lostReasons: [...lost].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count) };
  }

  async rebuild(scope: RequestScope, stats: { rebuild(): Promise<unknown> }) {
    scope.require('settings.manage');
    if (!scope.seesAll) throw new AppError('FORBIDDEN');
    return stats.rebuild();
  }
}
