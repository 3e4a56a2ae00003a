// A query's day bound: a calendar day (2026-11-01, in any of the entry standard's forms) taken as
// the start or end of that day in Asia/Shanghai, or an exact ISO instant.
import { z } from 'zod';
import { businessOffsetMs, dayMs } from '../calendar.ts';
import { parseDate } from '../../modules/standards/index.ts';

export const dayBound = (endOfDay: boolean) =>
  z
    .string()
    .max(40)
    .transform((value, ctx) => {
      if (/T/.test(value)) {
        const instant = new Date(value);
        if (!Number.isNaN(instant.getTime())) return instant;
      } else {
        const date = parseDate(value);
        if (date) return new Date(date.getTime() - businessOffsetMs + (endOfDay ? dayMs : 0));
      }
      ctx.addIssue({ code: 'custom', message: 'expected a date such as 2026-11-01' });
      return z.NEVER;
    });
