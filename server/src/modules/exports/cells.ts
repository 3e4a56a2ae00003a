// What goes into a cell: text that a spreadsheet will never run, and times as people read them.
import { businessOffsetMs } from '../../core/calendar.ts';

export type CellValue = string | number | null;

/**
 * Spreadsheet (CSV/formula) injection, as OWASP advises: text a spreadsheet could take for a formula
 * (starting with = + - @, or a tab or carriage return that hides one) is prefixed with a single quote.
 * Cells are written as plain strings in any case, never as formulas.
 */
export function safeText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function safeCell(value: CellValue | undefined): CellValue {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? safeText(value) : value;
}

/** `2026-11-24 19:30`: an instant as the Asia/Shanghai wall clock shows it. */
export function businessTime(at: Date | string | null | undefined): string | null {
  if (!at) return null;
  const time = new Date(at).getTime();
  if (Number.isNaN(time)) return null;
  return new Date(time + businessOffsetMs).toISOString().slice(0, 16).replace('T', ' ');
}

/** `2026-11-24`: the Asia/Shanghai calendar day of an instant. */
export function businessDate(at: Date | string | null | undefined): string | null {
  return businessTime(at)?.slice(0, 10) ?? null;
}

/** 省/市/区 in one cell: 浙江省/杭州市/拱墅区. */
export function regionText(region: { province: string; city?: string | undefined; district?: string | undefined } | null | undefined): string | null {
  if (!region) return null;
  return [region.province, region.city, region.district].filter(Boolean).join('/');
}

/** Money is stored in fen (integer cents); people read yuan. */
export function yuan(fen: number | null | undefined): number | null {
  return typeof fen === 'number' && Number.isFinite(fen) ? Math.round(fen) / 100 : null;
}
