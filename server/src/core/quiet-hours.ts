// Quiet hours in the business calendar (Asia/Shanghai): alerts due inside them are held until the
// window ends, never dropped.
import { businessOffsetMs, dayMs } from './calendar.ts';

export interface QuietHours {
  /** HH:mm; a window that crosses midnight (21:00–08:00) is the usual one */
  start: string;
  end: string;
  /** Saturdays and Sundays are quiet all day */
  weekends: boolean;
}

const minutes = (hhmm: string) => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** The end of the quiet window `at` falls in, or null when `at` is not quiet. */
export function quietUntil(at: Date, quiet: QuietHours): Date | null {
  const local = at.getTime() + businessOffsetMs;
  const dayStart = Math.floor(local / dayMs) * dayMs;
  const minute = Math.floor((local - dayStart) / 60_000);
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  const weekday = new Date(dayStart).getUTCDay(); // 0 Sunday … 6 Saturday, of the Shanghai date
  const isWeekend = (day: number) => day === 0 || day === 6;

  let endLocal: number | null = null;
  if (start > end) {
    if (minute >= start) endLocal = dayStart + dayMs + end * 60_000;
    else if (minute < end) endLocal = dayStart + end * 60_000;
  } else if (start < end && minute >= start && minute < end) {
    endLocal = dayStart + end * 60_000;
  }
  if (quiet.weekends) {
    // a weekend day, or a quiet night running into one, lasts until the first weekday's end time
    let candidate = endLocal ?? (isWeekend(weekday) ? dayStart + end * 60_000 : null);
    while (candidate !== null && isWeekend(new Date(Math.floor(candidate / dayMs) * dayMs).getUTCDay())) candidate += dayMs;
    if (candidate !== null && candidate <= local) candidate = null;
    endLocal = candidate;
  }
  return endLocal === null ? null : new Date(endLocal - businessOffsetMs);
}
