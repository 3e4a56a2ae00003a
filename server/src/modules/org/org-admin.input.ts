import { z } from 'zod';
import { roleKeyPattern } from '../../core/auth/permissions.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export const createUserBody = z
  .object({
    login: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/),
    name: z.string().trim().min(1).max(64),
    role: z.string().regex(roleKeyPattern),
    departmentId: objectId.nullable().default(null),
    isManager: z.boolean().default(false),
  })
  .strict();

export const updateUserBody = z
  .object({
    name: z.string().trim().min(1).max(64).optional(),
    role: z.string().regex(roleKeyPattern).optional(),
    departmentId: objectId.nullable().optional(),
    isManager: z.boolean().optional(),
    active: z.boolean().optional(),
  })
  .strict();

export const createDepartmentBody = z.object({ name: z.string().trim().min(1).max(100), parentId: objectId.nullable().default(null) }).strict();
export const renameDepartmentBody = z.object({ name: z.string().trim().min(1).max(100) }).strict();

export const handoverBody = z.object({ toUserId: objectId }).strict();

export type CreateUserInput = z.infer<typeof createUserBody>;
export type UpdateUserInput = z.infer<typeof updateUserBody>;
