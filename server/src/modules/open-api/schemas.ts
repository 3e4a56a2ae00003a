// Schemas the v1 routes share: paging, ids, errors, and the records they answer with. The record
// schemas describe what the H5 API's view functions return (customerView, contact view, …); they
// are loose objects (more fields may appear) so a new view field never breaks an integration.
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import { externalId, externalIdsInput, externalSystem } from '../../core/db/external-ids.ts';

export const objectId = z.string().regex(/^[0-9a-fA-F]{24}$/);
export const idParams = z.object({ id: objectId });
export const externalParams = z.object({ system: externalSystem, externalId });
export { externalIdsInput };

/** Keyset pagination: pass the previous page's nextCursor to read on. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(300).optional(),
};

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const list = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

/** Optimistic concurrency: the version the client last read. */
export const ifMatchHeader = z.object({ 'if-match': z.string().regex(/^"?\d+"?$/).optional() });
/** An edit that must name the version it read did not. */
export const missingVersion = () => new AppError('VALIDATION', { details: [{ path: 'version', message: 'send the version you read (If-Match or version)' }] });

export function versionFrom(header: string): number | undefined {
  const match = /^"?(\d+)"?$/.exec(header);
  return match ? Number(match[1]) : undefined;
}

const at = z.string(); // ISO 8601 timestamps
const person = z.object({ id: z.string(), name: z.string() });
const text = z.string().nullable();
const externalIds = z.record(z.string(), z.string());

export const customerSchema = z.looseObject({
  id: z.string(),
  type: z.enum(['company', 'person']),
  name: z.string(),
  industry: text,
  scale: text,
  level: text,
  source: z.string(),
  stage: z.string(),
  region: z.looseObject({ province: z.string() }).nullable(),
  address: text,
  phones: z.array(z.string()),
  email: text,
  website: text,
  tags: z.array(z.string()),
  owner: person.nullable(),
  department: person.nullable(),
  locked: z.boolean(),
  needsCompletion: z.array(z.string()),
  createdAt: at,
  updatedAt: at,
  version: z.number().int(),
  externalIds,
  access: z.enum(['full', 'pool']),
});

export const contactSchema = z.looseObject({
  id: z.string(),
  customerId: z.string(),
  name: z.string(),
  position: text,
  phones: z.array(z.string()),
  email: text,
  isPrimary: z.boolean(),
  leftCompany: z.boolean(),
  notes: text,
  createdAt: at,
  updatedAt: at,
  version: z.number().int(),
  externalIds,
});

export const followUpSchema = z.looseObject({
  id: z.string(),
  customerId: z.string(),
  contactId: text,
  method: z.string(),
  content: z.string(),
  at,
  createdAt: at,
  createdBy: person,
});

const customerRef = z.object({ id: z.string(), name: z.string() });

export const opportunitySchema = z.looseObject({
  id: z.string(),
  customer: customerRef,
  title: z.string(),
  amountFen: z.number().int(),
  amount: z.string(),
  stageSetId: z.string(),
  stage: z.string(),
  status: z.string(),
  owner: person,
  version: z.number().int(),
  externalIds,
  createdAt: at,
  updatedAt: at,
});

export const contractSchema = z.looseObject({
  id: z.string(),
  number: z.string(),
  customer: customerRef,
  title: z.string(),
  amountFen: z.number().int(),
  receivedFen: z.number().int(),
  status: z.string(),
  owner: person,
  plan: z.array(z.looseObject({ id: z.string(), dueOn: z.string(), amountFen: z.number().int(), receivedFen: z.number().int() })),
  version: z.number().int(),
  externalIds,
  createdAt: at,
  updatedAt: at,
});

export const orderSchema = z.looseObject({ id: z.string(), status: z.string() });
export const paymentSchema = z.looseObject({ id: z.string() });
export const ticketSchema = z.looseObject({ id: z.string(), number: z.string(), status: z.string(), priority: z.string(), category: z.string() });
export const tagGroupSchema = z.object({ id: z.string(), name: z.string(), multi: z.boolean(), tags: z.array(z.unknown()) });
export const leadSchema = z.looseObject({});

/** The outcome of an upsert by external id, record by record in a bulk request. */
export const bulkResultSchema = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      status: z.enum(['created', 'updated', 'error']),
      id: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).optional(),
    }),
  ),
});

export const maxBulk = 1000;
/** Parsed loosely: each record is validated on its own, so one bad record fails alone. */
export const bulkBody = z.object({ items: z.array(z.unknown()).max(maxBulk) });
export const bulkItem = z.object({ system: externalSystem, externalId, data: z.record(z.string(), z.unknown()) });
/** How a bulk request is documented: up to 1,000 upserts by external id. */
export const documentedBulk = <T extends z.ZodType>(data: T) =>
  z.object({ items: z.array(z.object({ system: externalSystem, externalId, data })).max(maxBulk) });
