// Report drill-downs: where tapping a bar (or its row) goes, and how the list pages read the filter
// back from their query. The lists apply the caller's scope server-side, so a drill-down shows only
// records the caller may see. Pure functions (tested in tests/h5).

export interface DrillTarget {
  path: string;
  query: Record<string, string>;
}

/** The region the report could not place a customer in (no province/city): no list filter for it. */
export const unknownPlace = '未知';

/** A funnel stage: the opportunities of its stage set that stand in that stage now. */
export function stageDrill(setId: string, stage: string): DrillTarget {
  return { path: '/opportunities', query: { set: setId, stage } };
}

/**
 * A province (or city) of the regional report: the customers there; none for 未知. `tab=team`: a
 * manager sees their whole reach (the report's), not only their own customers; others see theirs.
 */
export function regionDrill(level: 'province' | 'city', place: string): DrillTarget | null {
  if (!place || place === unknownPlace) return null;
  return { path: '/customers', query: { [level]: place, tab: 'team' } };
}

/** The coverage report's idle buckets, by their lower bound in days (the server's idle30 / idle90). */
export const idleBuckets = [30, 90] as const;

/** Customers idle at least `days` (not followed up, or created and never followed, before then), optionally one person's. */
export function idleDrill(days: number, owner?: { id: string; name: string }): DrillTarget {
  return { path: '/customers', query: { idleDays: String(days), tab: 'team', ...(owner ? { owner: owner.id, ownerName: owner.name } : {}) } };
}

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A point of the new-customers trend: the customers created in its day, week (from its Monday) or
 * month, within the report's range.
 */
export function createdDrill(period: string, granularity: 'day' | 'week' | 'month', range: { from: string; to: string }): DrillTarget {
  let [from, to] = [period, period];
  if (granularity === 'week') to = addDays(period, 6);
  if (granularity === 'month') {
    const [year, month] = [Number(period.slice(0, 4)), Number(period.slice(5, 7))];
    from = `${period.slice(0, 7)}-01`;
    to = new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10); // day 0 of the next month: this one's last
  }
  if (from < range.from) from = range.from;
  if (to > range.to) to = range.to;
  return { path: '/customers', query: { createdFrom: from, createdTo: to, tab: 'team' } };
}

type Query = Record<string, unknown>;
const text = (value: unknown, max: number): string => (typeof value === 'string' && value.trim().length <= max ? value.trim() : '');

const day = (value: unknown) => (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : '');

/** The customer list's filters that a link may carry (?province=&city=&idleDays=&createdFrom=&createdTo=), checked as the API would. */
export function customerDrill(query: Query): { province: string; city: string; idleDays: number; createdFrom: string; createdTo: string; team: boolean } {
  const idle = typeof query.idleDays === 'string' && /^\d{1,4}$/.test(query.idleDays) ? Math.min(3650, Number(query.idleDays)) : 0;
  return { province: text(query.province, 30), city: text(query.city, 30), idleDays: idle, createdFrom: day(query.createdFrom), createdTo: day(query.createdTo), team: query.tab === 'team' };
}

/** The opportunity list's filter from a link (?set=&stage=), or null for the board. */
export function opportunityDrill(query: Query): { setId: string; stage: string } | null {
  const stage = text(query.stage, 32);
  if (!stage) return null;
  return { setId: text(query.set, 32) || 'new', stage };
}
