// Kemai's business calendar is Asia/Shanghai, whatever the server's own time zone.
export const businessTimeZone = 'Asia/Shanghai';

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: businessTimeZone, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function businessDay(at: Date): string {
  return dayFormat.format(at);
}

/** Asia/Shanghai is UTC+8 all year: China keeps no daylight saving time. */
export const businessOffsetMs = 8 * 3_600_000;
export const dayMs = 86_400_000;

/** The first instant of the Asia/Shanghai day an instant falls in. */
export function startOfBusinessDay(at: Date): Date {
  return new Date(Math.floor((at.getTime() + businessOffsetMs) / dayMs) * dayMs - businessOffsetMs);
}

/** The Monday of the week a calendar day (YYYY-MM-DD) falls in: weeks start on Monday. */
export function weekStart(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const shift = (date.getUTCDay() + 6) % 7;
  return new Date(date.getTime() - shift * dayMs).toISOString().slice(0, 10);
}
