import { z } from 'zod';
import { fieldRuleValues, maskableFieldNames, type MaskableField } from '../../core/auth/field-rules.ts';
import { dataScopes, permissions, roleKeyPattern } from '../../core/auth/permissions.ts';

const name = z.object({ zh: z.string().trim().min(1).max(30), en: z.string().trim().min(1).max(60) }).strict();
const fieldRules = z.partialRecord(z.enum(maskableFieldNames as [MaskableField, ...MaskableField[]]), z.enum(fieldRuleValues)).optional();

export const updateRoleBody = z
  .object({
    name: name.optional(),
    permissions: z.array(z.enum(permissions)).max(permissions.length).optional(),
    dataScope: z.enum(dataScopes).optional(),
    fieldRules,
  })
  .strict();

export const createRoleBody = z
  .object({
    key: z.string().regex(roleKeyPattern, 'a–z, 0–9, _ or -, starting with a letter, 2–32 long'),
    name,
    permissions: z.array(z.enum(permissions)).max(permissions.length).default([]),
    dataScope: z.enum(dataScopes).default('self'),
    fieldRules: fieldRules.default({}),
    /** start from an existing role's definition (permissions, scope and field rules not given) */
    copyOf: z.string().regex(roleKeyPattern).optional(),
  })
  .strict();

export type UpdateRoleInput = z.infer<typeof updateRoleBody>;
export type CreateRoleInput = z.infer<typeof createRoleBody>;
