// What the report pages compute before asking the server: the period a picker choice stands for,
// the calendar days it covers, and a measure's value as text. Pure functions (tested in tests/h5).
import { formatFenShort } from './format.ts';

export type PeriodKind = 'month' | 'quarter' | 'year';

/** The server's period for a choice on a Shanghai day: 2026-11, 2026-Q4 or 2026. */
export function periodOf(kind: PeriodKind, day: string): string {
  const year = day.slice(0, 4);
  const month = Number(day.slice(5, 7));
  if (kind === 'month') return day.slice(0, 7);
  if (kind === 'quarter') return `${year}-Q${Math.ceil(month / 3)}`;
  return year;
}

/** The first and last calendar day of a period (2026-Q4 → 2026-10-01 … 2026-12-31). */
export function rangeOf(period: string): { from: string; to: string } {
  const year = Number(period.slice(0, 4));
  const quarter = /-Q([1-4])$/.exec(period);
  const [first, last] = quarter ? [(Number(quarter[1]) - 1) * 3 + 1, Number(quarter[1]) * 3] : period.length === 7 ? [Number(period.slice(5)), Number(period.slice(5))] : [1, 12];
  const lastDay = new Date(Date.UTC(year, last, 0)).getUTCDate();
  const pad = (n: number) => String(n).padStart(2, '0');
  return { from: `${year}-${pad(first)}-01`, to: `${year}-${pad(last)}-${pad(lastDay)}` };
}

/** The trend's default step for a period: days in a month, weeks in a quarter, months in a year. */
export function granularityOf(kind: PeriodKind): 'day' | 'week' | 'month' {
  return kind === 'month' ? 'day' : kind === 'quarter' ? 'week' : 'month';
}

/** Money measures end in Fen. */
export const isMoney = (measure: string): boolean => measure.endsWith('Fen');

/** A measure's value as a report shows it: ¥12.3万 for money, the count otherwise. */
export function formatMeasure(measure: string, value: number): string {
  return isMoney(measure) ? formatFenShort(value) : String(Math.round(value * 10) / 10);
}
