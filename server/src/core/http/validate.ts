// Validation at the edge with zod; issues come back in the caller's language.
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Locale } from '../i18n.ts';

const localeErrors = {
  'zh-CN': z.locales.zhCN().localeError,
  en: z.locales.en().localeError,
} as const;

export interface IssueDetail {
  path: string;
  message: string;
}

export function zodIssues(error: z.ZodError): IssueDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown, locale: Locale): z.infer<T> {
  const result = schema.safeParse(input, { error: localeErrors[locale] });
  if (!result.success) throw new AppError('VALIDATION', { details: zodIssues(result.error) });
  return result.data;
}
