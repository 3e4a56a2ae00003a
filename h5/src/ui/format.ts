// Money and dates as the pages show them. Money travels in fen (integers) so sums carry no float
// error; the server's entry standards decide what an amount is, these only preview it as typed.

/** ¥150,000.00 from 15000000 fen. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${whole}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Money short enough for a chart or a narrow row: ¥8,000 below 1万, ¥12.3万 from 1万, ¥1.25亿 from
 * 1亿 (at most the decimals that say something). Whole yuan: a report rounds away the fen.
 */
export function formatFenShort(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const yuan = Math.round(Math.abs(fen) / 100);
  const trim = (n: number, digits: number) => String(Number(n.toFixed(digits)));
  const wan = Number((yuan / 10_000).toFixed(yuan >= 1_000_000 ? 0 : 1));
  if (wan >= 10_000) return `${sign}¥${trim(yuan / 100_000_000, 2)}亿`;
  if (yuan >= 10_000) return `${sign}¥${wan}万`;
  return `${sign}¥${String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

/** 150000.00 from 15000000 fen: what an amount field is filled with. */
export function fenToYuan(fen: number): string {
  const abs = Math.abs(Math.round(fen));
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const units: Record<string, number> = { 万: 10_000, w: 10_000, 亿: 100_000_000, k: 1_000 };

/**
 * Fen from an amount as typed, read as the server's entry standard reads it (150000, 150,000.00,
 * ¥1,000.3, full-width digits, 15万, 1.5亿, 20k), at most two decimals. Null when it is not an amount;
 * the save then shows the server's own message.
 */
export function yuanToFen(input: string): number | null {
  const text = input.normalize('NFKC').replace(/[¥￥,\s]|人民币|RMB|CNY|元/gi, '');
  const match = /^(\d+)(?:\.(\d{1,2}))?(万|亿|w|k)?$/i.exec(text);
  if (!match) return null;
  const unit = units[(match[3] ?? '').toLowerCase()] ?? 1;
  // integer arithmetic on the digits: whole fen times the unit, never a float
  const fen = (Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'))) * unit;
  return Number.isSafeInteger(fen) ? fen : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 2026-11-24 in the device's time zone. */
export function formatDate(value: string | Date): string {
  const date = new Date(value);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** 2026-11-24 09:05 in the device's time zone. */
export function formatDateTime(value: string | Date): string {
  const date = new Date(value);
  return `${formatDate(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A YYYY-MM-DD day as the three strings a Vant date picker takes, and back. */
export function dayParts(day: string): string[] {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day.split('-') : formatDate(new Date()).split('-');
}

export function dayOf(parts: string[]): string {
  return parts.slice(0, 3).join('-');
}

type Translate = (key: string, values: Record<string, unknown>) => string;

/**
 * A span of time in its two largest units, as people say it: 2天5小时, 3小时20分钟, 5分钟 (2d 5h in
 * English). The words come from the `duration` messages through `t`.
 */
export function formatDuration(ms: number, t: Translate): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return t('duration.underMinute', {});
  const parts: [string, number][] = [
    ['duration.days', Math.floor(minutes / 1440)],
    ['duration.hours', Math.floor((minutes % 1440) / 60)],
    ['duration.minutes', minutes % 60],
  ];
  const first = parts.findIndex(([, n]) => n > 0);
  const [a, b] = parts
    .slice(first, first + 2)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => t(key, { n }));
  return b ? t('duration.pair', { a, b }) : a!;
}
