// Data quality (K8): the weekly cleaning that flags (never deletes) and the report managers read —
// completeness of the key fields, validity, duplicates, by owner and team, and the weekly trend.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { businessDay, dayMs, weekStart } from '../../core/calendar.ts';
import type { Clock } from '../../core/clock.ts';
import type { CampaignService } from '../campaigns/campaign.service.ts';
import type { ContactService } from '../contacts/contact.service.ts';
import type { CustomerService, QualityFigures } from '../customers/customer.service.ts';
import type { DuplicateService } from '../duplicates/duplicate.service.ts';
import type { OrgService } from '../org/org.service.ts';
import type { QualitySnapshotModel, QualitySnapshot } from './quality-snapshot.model.ts';

export interface QualityDeps {
  customers: CustomerService;
  contacts: Pick<ContactService, 'markLeftByEmail'>;
  /** addresses that bounced in campaign emails */
  bounces: Pick<CampaignService, 'bouncedEmails'>;
  duplicates: Pick<DuplicateService, 'staleOpenCustomers'>;
  org: OrgService;
  snapshots: QualitySnapshotModel;
  clock: Clock;
}

/** A duplicate pair left in the review queue this long is a stale duplicate. */
const staleDuplicateDays = 7;
const trendWeeks = 12;

type Counts = Omit<QualityFigures, 'ownerId' | 'departmentId'>;
const countFields = ['customers', 'companies', 'withPhone', 'withRegion', 'withIndustry', 'withLevel', 'withContact', 'invalidPhones', 'staleIncomplete', 'possibleDuplicates'] as const;

const zero = (): Counts => Object.fromEntries(countFields.map((f) => [f, 0])) as Counts;
const addTo = (total: Counts, row: Counts) => {
  for (const field of countFields) total[field] += row[field] ?? 0;
  return total;
};
const share = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

/** Completeness and validity as shares, with the counts behind them. */
function rates(c: Counts) {
  return {
    ...c,
    completeness: {
      phone: share(c.withPhone, c.customers),
      region: share(c.withRegion, c.customers),
      industry: share(c.withIndustry, c.companies),
      level: share(c.withLevel, c.customers),
      contact: share(c.withContact, c.customers),
    },
    validPhoneRate: share(c.withPhone - c.invalidPhones, c.withPhone),
    duplicateRate: share(c.possibleDuplicates, c.customers),
  };
}

/** The Monday (Asia/Shanghai) of the week a moment falls in. */
const weekOf = (at: Date) => weekStart(businessDay(at));

export class QualityService {
  private readonly deps: QualityDeps;

  constructor(deps: QualityDeps) {
    this.deps = deps;
  }

  /** The weekly cleaning: people behind bounced addresses marked as gone, flags on the customers, then this week's snapshot per owner. */
  async clean(): Promise<{ flagged: Record<string, number>; contactsLeft: number; owners: number }> {
    const now = this.deps.clock.now();
    const contactsLeft = await this.deps.contacts.markLeftByEmail(await this.deps.bounces.bouncedEmails());
    const stale = await this.deps.duplicates.staleOpenCustomers(new Date(now.getTime() - staleDuplicateDays * dayMs));
    const flagged = await this.deps.customers.flagQuality(now, stale);
    const week = weekOf(now);
    const figures = (await this.deps.customers.qualityFigures([{ ownerId: { $ne: null } }])).filter((f) => f.ownerId);
    if (figures.length) {
      await this.deps.snapshots.bulkWrite(
        figures.map((f) => ({
          updateOne: {
            filter: { _id: `${week}:${f.ownerId!.toHexString()}` },
            update: { $set: { ...f, week, ownerId: f.ownerId!, departmentId: f.departmentId } },
            upsert: true,
          },
        })),
      );
    }
    return { flagged, contactsLeft, owners: figures.length };
  }

  /** The report under the caller's scope: a rep sees their own book, a manager their tree. */
  async report(scope: RequestScope) {
    scope.require('customer.view');
    const rows = await this.deps.customers.qualityFigures([scope.filter('customer')]);
    const [users, departments] = await Promise.all([
      this.deps.org.displayNames(rows.map((r) => r.ownerId)),
      this.deps.org.describeDepartments(rows.map((r) => r.departmentId)),
    ]);
    const byTeam = new Map<string, Counts>();
    for (const row of rows) {
      const key = row.departmentId ? row.departmentId.toHexString() : '';
      byTeam.set(key, addTo(byTeam.get(key) ?? zero(), row));
    }
    return {
      total: rates(rows.reduce((t, r) => addTo(t, r), zero())),
      byOwner: rows
        .filter((r) => r.ownerId)
        .map((r) => ({ owner: { id: r.ownerId!.toHexString(), name: users.get(r.ownerId!.toHexString()) ?? '' }, ...rates(r) }))
        .sort((a, b) => (a.completeness.phone ?? 1) - (b.completeness.phone ?? 1)),
      byTeam: [...byTeam].map(([id, counts]) => ({ team: id ? { id, name: departments.get(id)?.name ?? '' } : null, ...rates(counts) })),
      trend: await this.trend(scope),
    };
  }

  private async trend(scope: RequestScope) {
    const since = weekOf(new Date(this.deps.clock.now().getTime() - (trendWeeks - 1) * 7 * dayMs));
    const filter: Record<string, unknown> = { week: { $gte: since } };
    if (!scope.seesAll) {
      if (scope.seesTeam) filter.departmentId = { $in: scope.departmentSubtree.map((id) => new Types.ObjectId(id)) };
      else filter.ownerId = new Types.ObjectId(scope.user.id);
    }
    const weeks = new Map<string, Counts>();
    for (const snapshot of await this.deps.snapshots.find(filter).lean<QualitySnapshot[]>()) {
      weeks.set(snapshot.week, addTo(weeks.get(snapshot.week) ?? zero(), snapshot));
    }
    return [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([week, counts]) => ({ week, ...rates(counts) }));
  }
}
