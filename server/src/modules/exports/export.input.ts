// POST /api/exports: which records, filtered with the vocabulary of their lists.
import { z } from 'zod';
import { customerFilterFields } from '../customers/customer.routes.ts';
import { dayBound } from '../../core/http/day-bound.ts';

export const exportResources = ['customers', 'contacts', 'followUps'] as const;
export type ExportResource = (typeof exportResources)[number];

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const flag = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true');

/**
 * The list filters are written for query strings (text); a JSON body may send `true` or `30`, so
 * numbers and booleans become their text before the same schema reads them. No filter: everything in scope.
 */
const asQueryText = (value: unknown) =>
  value === undefined
    ? {}
    : value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? String(v) : v]))
      : value;

const filter = <T extends z.ZodRawShape>(own: T) =>
  z.preprocess(asQueryText, z.object({ ...customerFilterFields, ...own }).strict());

export const exportBody = z.discriminatedUnion('resource', [
  z.object({ resource: z.literal('customers'), filter: filter({}) }).strict(),
  z
    .object({
      resource: z.literal('contacts'),
      filter: filter({ isPrimary: flag.optional(), leftCompany: flag.optional() }),
    })
    .strict(),
  z
    .object({
      resource: z.literal('followUps'),
      /** follow-ups of the matching customers, logged from `from` to `to` (days in Asia/Shanghai, inclusive) */
      filter: filter({
        from: dayBound(false).optional(),
        to: dayBound(true).optional(),
        method: z.string().trim().max(20).optional(),
        author: objectId.optional(),
      }),
    })
    .strict(),
]);

export type ExportRequest = z.infer<typeof exportBody>;
