// Kemai's business calendar is Asia/Shanghai, whatever the server's own time zone.
export const businessTimeZone = 'Asia/Shanghai';

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: businessTimeZone, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function businessDay(at: Date): string {
  return dayFormat.format(at);
}
