// Email and date entry rules.
import { blindIndex } from '../../core/crypto/field-cipher.ts';
import { foldWidth } from './text.ts';

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function normaliseEmail(input: string | null | undefined): string | null {
  if (input == null) return null;
  const email = foldWidth(String(input)).trim().toLowerCase();
  return emailPattern.test(email) && email.length <= 254 ? email : null;
}

/** The blind index of an email (stored encrypted), from any spelling of it. */
export function emailKey(email: string): string {
  return blindIndex('email', normaliseEmail(email) ?? email.trim().toLowerCase());
}

const excelEpoch = Date.UTC(1899, 11, 30);

/**
 * Dates as people type them: 2023-10-15, 2023/10/15, 2023.10.15, 2023年10月15日, 20231015, and Excel
 * serial numbers (45214). Returned as midnight UTC of that calendar day; null when not a real date.
 */
export function parseDate(input: string | number | Date | null | undefined): Date | null {
  if (input == null || input === '') return null;
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? null : input;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 1 || input > 2_958_465) return null;
    return new Date(excelEpoch + Math.floor(input) * 86_400_000);
  }
  const text = foldWidth(input).trim();
  const match =
    /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$/.exec(text) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!match) {
    if (/^\d{5}(\.\d+)?$/.test(text)) return parseDate(Number(text));
    return null;
  }
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  if (year < 1900 || year > 2200) return null;
  return date;
}

/**
 * Amounts in yuan as people type them: 12000, 12,000.00, ¥12,000.00, 12000元, 1.2万, 3亿.
 * Returns fen (integer cents) to keep money free of float error; null when not an amount ≥ 0.
 */
export function parseAmountFen(input: string | number | null | undefined): number | null {
  if (input == null || input === '') return null;
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 100) : null;
  const text = foldWidth(input).replace(/[¥￥,\s]|人民币|RMB|CNY|元/gi, '');
  const match = /^(\d+(?:\.\d+)?)(万|亿|w|k)?$/i.exec(text);
  if (!match) return null;
  const unit = { 万: 10_000, w: 10_000, W: 10_000, 亿: 100_000_000, k: 1_000, K: 1_000 }[match[2] ?? ''] ?? 1;
  const [whole = '0', fraction = ''] = match[1]!.split('.');
  // exact decimal arithmetic: scale the digits, not a float
  const scaled = BigInt(whole + fraction) * BigInt(unit) * 100n;
  const divisor = 10n ** BigInt(fraction.length);
  const fen = Number((scaled + divisor / 2n) / divisor);
  return Number.isSafeInteger(fen) ? fen : null;
}

/** A birthday's month and day (MM-DD), the key birthday reminders look up. */
export function birthdayKey(birthday: Date): string {
  return birthday.toISOString().slice(5, 10);
}

/**
 * The birthday keys celebrated on a calendar day (YYYY-MM-DD): its own, and on 28 February of a
 * year without a 29th, also the people born on 29 February.
 */
export function birthdayKeysOn(day: string): string[] {
  const keys = [day.slice(5)];
  const year = Number(day.slice(0, 4));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (keys[0] === '02-28' && !leap) keys.push('02-29');
  return keys;
}
