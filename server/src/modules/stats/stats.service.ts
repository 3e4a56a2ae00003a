// The daily rollups behind the reports. Every service that writes a counted record adds to the
// rollup in the same call ($inc, so concurrent writers never lose a count); a nightly rebuild
// recomputes everything from the raw records and corrects any drift (a crash between the record
// and its increment, or a change made outside the services).
import { Types, type Aggregate, type PipelineStage } from 'mongoose';
import { businessDay } from '../../core/calendar.ts';
import type { Logger } from '../../core/logger.ts';
import type { OrgService } from '../org/org.service.ts';
import { measures, type DailyStat, type DailyStatModel, type Measure } from './daily-stat.model.ts';

const oid = (id: string | Types.ObjectId) => new Types.ObjectId(String(id));
const shanghaiDay = (field: string) => ({ $dateToString: { format: '%Y-%m-%d', date: `$${field}`, timezone: 'Asia/Shanghai' } });

/** Something rollups are counted from: all they need of a model is to aggregate it. */
interface Aggregatable {
  aggregate<T>(pipeline: PipelineStage[]): Aggregate<T[]>;
}

/** The raw records each measure is counted from. */
export interface StatSources {
  customers: Aggregatable;
  followUps: Aggregatable;
  contracts: Aggregatable;
  payments: Aggregatable;
  opportunities: Aggregatable;
  timeline: Aggregatable;
}

type Row = { day: string; userId: Types.ObjectId; province: string; measure: Measure; value: number };

export class StatsService {
  private readonly deps: { stats: DailyStatModel; sources: StatSources; org: OrgService; logger: Logger };
  private readonly paths = new Map<string, { at: number; path: Types.ObjectId[] }>();

  constructor(deps: StatsService['deps']) {
    this.deps = deps;
  }

  /** The person's department path (cached a minute: org changes are rare and the rebuild settles them). */
  private async departmentPath(userId: string): Promise<Types.ObjectId[]> {
    const cached = this.paths.get(userId);
    if (cached && Date.now() - cached.at < 60_000) return cached.path;
    const user = await this.deps.org.findUserById(userId);
    const department = user?.departmentId?.toHexString();
    const path = department ? [department, ...(await this.deps.org.departmentAncestors(department))].map(oid) : [];
    this.paths.set(userId, { at: Date.now(), path });
    return path;
  }

  /** Adds `delta` to a person's measure on a day (a Date is taken as its Shanghai day). */
  async add(userId: string | Types.ObjectId | null | undefined, when: Date | string, measure: Measure, delta: number, province = ''): Promise<void> {
    await this.addMany([{ userId: userId ?? null, when, measure, delta, province }]);
  }

  /** Many increments at once (an import's new customers): summed per rollup row, one write. */
  async addMany(entries: { userId: Types.ObjectId | string | null; when: Date | string; measure: Measure; delta: number; province?: string }[]): Promise<void> {
    const sums = new Map<string, { day: string; user: string; measure: Measure; province: string; delta: number }>();
    for (const e of entries) {
      if (!e.userId || e.delta === 0 || !Types.ObjectId.isValid(String(e.userId))) continue;
      const day = typeof e.when === 'string' ? e.when : businessDay(e.when);
      const key = `${day}:${String(e.userId)}:${e.measure}:${e.province ?? ''}`;
      const sum = sums.get(key) ?? { day, user: String(e.userId), measure: e.measure, province: e.province ?? '', delta: 0 };
      sum.delta += e.delta;
      sums.set(key, sum);
    }
    if (sums.size === 0) return;
    try {
      const paths = new Map<string, Types.ObjectId[]>();
      for (const { user } of sums.values()) if (!paths.has(user)) paths.set(user, await this.departmentPath(user));
      await this.deps.stats.bulkWrite(
        [...sums].map(([_id, s]) => ({
          updateOne: {
            filter: { _id },
            update: { $inc: { value: s.delta }, $set: { day: s.day, userId: oid(s.user), departmentPath: paths.get(s.user)!, province: s.province, measure: s.measure } },
            upsert: true,
          },
        })),
        { ordered: false },
      );
    } catch (error) {
      // a count missed here is put right by the nightly rebuild; the records themselves stand
      this.deps.logger.error({ err: error }, 'rollup increments failed');
    }
  }

  /** Every measure recomputed from the raw records, as rollup rows. */
  async recompute(): Promise<Row[]> {
    const { customers, followUps, contracts, payments, opportunities, timeline } = this.deps.sources;
    const rows: Row[] = [];
    const collect = async (model: Aggregatable, measure: Measure, pipeline: PipelineStage[]) => {
      const out = await model.aggregate<{ _id: { day: string; userId: Types.ObjectId; province?: string | null }; value: number }>(pipeline);
      for (const r of out) if (r._id.userId && r._id.day && r.value !== 0) rows.push({ day: r._id.day, userId: r._id.userId, province: r._id.province ?? '', measure, value: r.value });
    };
    await collect(customers, 'newCustomers', [
      { $match: { deletedAt: null, ownerId: { $ne: null } } },
      { $group: { _id: { day: shanghaiDay('createdAt'), userId: '$ownerId', province: '$region.province' }, value: { $sum: 1 } } },
    ]);
    // one pass over follow-ups for both of their measures (a full read: the rebuild reads everything)
    const activity = await followUps.aggregate<{ _id: { day: string; userId: Types.ObjectId }; followUps: number; visits: number }>([
      { $group: { _id: { day: shanghaiDay('at'), userId: '$createdBy' }, followUps: { $sum: 1 }, visits: { $sum: { $cond: [{ $eq: ['$method', 'visit'] }, 1, 0] } } } },
    ]);
    for (const r of activity) {
      rows.push({ day: r._id.day, userId: r._id.userId, province: '', measure: 'followUps', value: r.followUps });
      if (r.visits) rows.push({ day: r._id.day, userId: r._id.userId, province: '', measure: 'visits', value: r.visits });
    }
    await collect(contracts, 'signedFen', [
      // signed stays signed: a contract terminated later still counts on its signing day
      { $match: { status: { $in: ['approved', 'active', 'completed', 'terminated'] }, signedOn: { $ne: null } } },
      { $group: { _id: { day: '$signedOn', userId: '$ownerId' }, value: { $sum: '$amountFen' } } },
    ]);
    // a payment counts once its contract's totals include it
    await collect(payments, 'collectedFen', [{ $group: { _id: { day: '$receivedOn', userId: '$ownerId' }, value: { $sum: { $cond: ['$applied', '$amountFen', 0] } } } }]);
    await collect(opportunities, 'wonOpportunities', [{ $match: { status: 'won' } }, { $group: { _id: { day: shanghaiDay('closedAt'), userId: '$ownerId' }, value: { $sum: 1 } } }]);
    await collect(opportunities, 'wonFen', [{ $match: { status: 'won' } }, { $group: { _id: { day: shanghaiDay('closedAt'), userId: '$ownerId' }, value: { $sum: '$amountFen' } } }]);
    await collect(timeline, 'stageMoves', [{ $match: { type: 'stageChanged', actorId: { $ne: null } } }, { $group: { _id: { day: shanghaiDay('at'), userId: '$actorId' }, value: { $sum: 1 } } }]);
    return rows;
  }

  /**
   * Recomputes every rollup from the raw records: rows that differ are set, rows no longer backed
   * by any record go. Readers see the old figure or the corrected one, never an empty table.
   */
  async rebuild(): Promise<{ rows: number; corrected: number; removed: number }> {
    const rows = await this.recompute();
    const wanted = new Map(rows.map((r) => [`${r.day}:${r.userId.toHexString()}:${r.measure}:${r.province}`, r]));
    let corrected = 0;
    const existing = new Map<string, number>();
    for await (const doc of this.deps.stats.find({ measure: { $in: measures } }, { value: 1 }).lean<DailyStat[]>().cursor({ batchSize: 2000 })) existing.set(doc._id, doc.value);
    const ops = [];
    for (const [id, row] of wanted) {
      if (existing.get(id) === row.value) continue;
      corrected++;
      ops.push({ updateOne: { filter: { _id: id }, update: { $set: { ...row, departmentPath: await this.departmentPath(row.userId.toHexString()) } }, upsert: true } });
    }
    const stale = [...existing.keys()].filter((id) => !wanted.has(id));
    for (let i = 0; i < ops.length; i += 1000) await this.deps.stats.bulkWrite(ops.slice(i, i + 1000), { ordered: false });
    for (let i = 0; i < stale.length; i += 1000) await this.deps.stats.deleteMany({ _id: { $in: stale.slice(i, i + 1000) } });
    this.deps.logger.info({ rows: wanted.size, corrected, removed: stale.length }, 'rollups rebuilt');
    return { rows: wanted.size, corrected, removed: stale.length };
  }
}
