// Sales targets (业绩目标): monthly figures per person and per department, set by their managers,
// rolled up month → quarter → year and person → department, with progress measured from contracts
// signed, money collected, customers won and visits made (the reports' daily rollups). Periods are
// Shanghai calendar months.
import { Types } from 'mongoose';
import { z } from 'zod';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessOffsetMs } from '../../core/calendar.ts';
import { AppError, forbidden } from '../../core/errors.ts';
import type { OrgService } from '../org/org.service.ts';
import type { DailyStatModel } from '../stats/daily-stat.model.ts';
import { targetMetrics, type Metrics, type Target, type TargetModel } from './target.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const count = z.number().int().min(0).max(1_000_000);
const fen = z.number().int().min(0).max(1e15);

export const setTargetBody = z
  .object({
    subject: z.enum(['user', 'department']),
    subjectId: objectId,
    month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/),
    metrics: z.object({ signedFen: fen, collectedFen: fen, newCustomers: count, visits: count }).partial().strict(),
  })
  .strict();
export type SetTargetInput = z.infer<typeof setTargetBody>;

/** 2026-11, 2026-Q4 or 2026: its months, and its bounds as instants and as calendar days. */
export function parsePeriod(period: string): { months: string[]; from: Date; to: Date; firstDay: string; lastDay: string } {
  let months: string[];
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
  const year = /^(\d{4})$/.exec(period);
  if (month) months = [period];
  else if (quarter) months = [0, 1, 2].map((i) => `${quarter[1]}-${String((Number(quarter[2]) - 1) * 3 + i + 1).padStart(2, '0')}`);
  else if (year) months = Array.from({ length: 12 }, (_, i) => `${year[1]}-${String(i + 1).padStart(2, '0')}`);
  else throw new AppError('VALIDATION', { details: [{ path: 'period', message: 'expected 2026-11, 2026-Q4 or 2026' }] });
  const first = months[0]!;
  const last = months.at(-1)!;
  const start = Date.UTC(Number(first.slice(0, 4)), Number(first.slice(5, 7)) - 1, 1);
  const end = Date.UTC(Number(last.slice(0, 4)), Number(last.slice(5, 7)), 1);
  return {
    months,
    from: new Date(start - businessOffsetMs),
    to: new Date(end - businessOffsetMs),
    firstDay: `${first}-01`,
    lastDay: new Date(end - 86_400_000).toISOString().slice(0, 10),
  };
}

const zero = (): Metrics => ({ signedFen: 0, collectedFen: 0, newCustomers: 0, visits: 0 });
const add = (a: Metrics, b: Partial<Metrics>): Metrics => ({
  signedFen: a.signedFen + (b.signedFen ?? 0),
  collectedFen: a.collectedFen + (b.collectedFen ?? 0),
  newCustomers: a.newCustomers + (b.newCustomers ?? 0),
  visits: a.visits + (b.visits ?? 0),
});

export class TargetService {
  private readonly deps: {
    targets: TargetModel;
    stats: DailyStatModel;
    org: OrgService;
  };

  constructor(deps: TargetService['deps']) {
    this.deps = deps;
  }

  /** Managers set targets for people and departments in their tree; directors and admins for all. */
  async set(scope: RequestScope, input: SetTargetInput) {
    if (!scope.seesAll && !scope.seesTeam) throw forbidden();
    await this.requireOver(scope, input.subject, input.subjectId, true);
    const metrics = Object.fromEntries(Object.entries(input.metrics).map(([k, v]) => [`metrics.${k}`, v]));
    await this.deps.targets.updateOne(
      { subject: input.subject, subjectId: oid(input.subjectId), month: input.month },
      { $set: { ...metrics, setBy: oid(scope.user.id) } },
      { upsert: true },
    );
    return this.progress(scope, input.subject, input.subjectId, input.month);
  }

  /** The target for a period (rolled up) and what was achieved, for one person or department. */
  async progress(scope: RequestScope, subject: 'user' | 'department', subjectId: string, period: string) {
    await this.requireOver(scope, subject, subjectId, false);
    const range = parsePeriod(period);
    const people = subject === 'user' ? [subjectId] : await this.deps.org.userIdsInDepartmentTree(subjectId);
    const target = await this.targetFor(subject, subjectId, people, range.months);
    const actual = await this.actual(people, range);
    const rate = (metric: keyof Metrics) => (target[metric] > 0 ? Math.round((actual[metric] / target[metric]) * 1000) / 10 : null);
    return {
      subject,
      subjectId,
      period,
      target,
      actual,
      /** percent of target reached, one decimal; null without a target */
      completion: Object.fromEntries(targetMetrics.map((m) => [m, rate(m)])) as Record<keyof Metrics, number | null>,
    };
  }

  /** People's own targets over a period, summed (for rankings: one read however many people). */
  async userTargets(userIds: string[], period: string): Promise<Map<string, Metrics>> {
    const { months } = parsePeriod(period);
    const rows = await this.deps.targets.find({ subject: 'user', subjectId: { $in: userIds.map(oid) }, month: { $in: months } }).lean<Target[]>();
    const totals = new Map<string, Metrics>();
    for (const t of rows) totals.set(t.subjectId.toHexString(), add(totals.get(t.subjectId.toHexString()) ?? zero(), t.metrics));
    return totals;
  }

  /** Month by month: a department's own target where set, else the sum of its people's. */
  private async targetFor(subject: 'user' | 'department', subjectId: string, people: string[], months: string[]): Promise<Metrics> {
    const own = await this.deps.targets.find({ subject, subjectId: oid(subjectId), month: { $in: months } }).lean<Target[]>();
    let total = zero();
    for (const t of own) total = add(total, t.metrics);
    if (subject === 'user') return total;
    const covered = new Set(own.map((t) => t.month));
    const rest = months.filter((m) => !covered.has(m));
    if (rest.length === 0 || people.length === 0) return total;
    const members = await this.deps.targets.find({ subject: 'user', subjectId: { $in: people.map(oid) }, month: { $in: rest } }).lean<Target[]>();
    for (const t of members) total = add(total, t.metrics);
    return total;
  }

  /** What the people did over the period, read from the reports' daily rollups (they count the same things). */
  private async actual(people: string[], range: ReturnType<typeof parsePeriod>): Promise<Metrics> {
    if (people.length === 0) return zero();
    const rows = await this.deps.stats.aggregate<{ _id: keyof Metrics; total: number }>([
      { $match: { userId: { $in: people.map(oid) }, measure: { $in: [...targetMetrics] }, day: { $gte: range.firstDay, $lte: range.lastDay } } },
      { $group: { _id: '$measure', total: { $sum: '$value' } } },
    ]);
    return add(zero(), Object.fromEntries(rows.map((r) => [r._id, r.total])));
  }

  /** The caller may see (or, setting, change) this person's or department's figures. */
  private async requireOver(scope: RequestScope, subject: 'user' | 'department', subjectId: string, setting: boolean): Promise<void> {
    if (scope.seesAll) return;
    if (subject === 'user' && subjectId === scope.user.id && !setting) return;
    if (!scope.seesTeam) throw new AppError('NOT_FOUND');
    const department = subject === 'department' ? subjectId : (await this.deps.org.describeUsers([subjectId])).get(subjectId)?.departmentId;
    if (!department || !scope.departmentSubtree.includes(department)) throw new AppError('NOT_FOUND');
  }
}
