// What an admin sends to create an open-API token, and the resources a token may be granted.
import { z } from 'zod';
import { roleKeyPattern } from '../../core/auth/permissions.ts';

/** The resource groups of /api/v1; a token holds read or write (write implies read) on each. */
export const apiResources = ['customers', 'contacts', 'followUps', 'opportunities', 'contracts', 'orders', 'payments', 'tickets', 'tags', 'leads'] as const;
export type ApiResource = (typeof apiResources)[number];
export const apiAccesses = ['read', 'write'] as const;
export type ApiAccess = (typeof apiAccesses)[number];

/** A token may live at most two years: a longer-lived secret is one nobody remembers to rotate. */
export const maxTokenLifetimeMs = 2 * 366 * 86_400_000;

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export const createApiTokenBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    ownerUserId: objectId.optional(),
    integrationRole: z.string().regex(roleKeyPattern).optional(),
    permissions: z.partialRecord(z.enum(apiResources), z.enum(apiAccesses)).refine((p) => Object.keys(p).length > 0, { message: 'grant at least one resource' }),
    expiresAt: z.iso.datetime({ offset: true }).transform((v) => new Date(v)).optional(),
  })
  .strict()
  .refine((body) => !!body.ownerUserId !== !!body.integrationRole, { message: 'give either ownerUserId or integrationRole', path: ['ownerUserId'] });

export type CreateApiTokenInput = z.infer<typeof createApiTokenBody>;

/** Whether a token's grants allow `access` on `resource`: write implies read. */
export function grants(permissions: Partial<Record<string, ApiAccess>>, resource: ApiResource, access: ApiAccess): boolean {
  const held = permissions[resource];
  return held === 'write' || (held === 'read' && access === 'read');
}
