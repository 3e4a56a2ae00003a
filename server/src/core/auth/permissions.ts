// Roles and what each may do beyond its data scope. The built-in roles below are what a new
// company starts with; admins edit them and add their own roles in settings (modules/roles), and
// every request reads the current definition, so a change takes effect on the next request.
import type { FieldRules } from './field-rules.ts';
import { defaultFieldRules } from './field-rules.ts';

/** The roles every company has; their keys are referred to by approval flows and ticket routing. */
export const builtInRoles = ['rep', 'manager', 'director', 'admin', 'service'] as const;
export type BuiltInRole = (typeof builtInRoles)[number];
/** A built-in role's key or a custom role's key (`[a-z][a-z0-9_-]{1,31}`). */
export type Role = string;
export const roleKeyPattern = /^[a-z][a-z0-9_-]{1,31}$/;

/** Permissions named `resource.action`, so the settings page can show them as a matrix. */
export const permissions = [
  'customer.view',
  'customer.create',
  'customer.edit',
  'customer.delete',
  'customer.export',
  'customer.import',
  'customer.transfer',
  'contract.edit',
  'contract.approve',
  'payment.record',
  'ticket.handle',
  'audit.view',
  'settings.manage',
] as const;
export type Permission = (typeof permissions)[number];
export const isPermission = (value: string): value is Permission => (permissions as readonly string[]).includes(value);

/**
 * Which records a role reaches through their owner: their own (and those they collaborate on),
 * their department's, their department and every one below it, or all.
 */
export const dataScopes = ['self', 'department', 'departmentTree', 'all'] as const;
export type DataScope = (typeof dataScopes)[number];

export interface RoleDefinition {
  key: Role;
  name: { zh: string; en: string };
  builtIn: boolean;
  permissions: readonly Permission[];
  dataScope: DataScope;
  fieldRules: FieldRules;
}

/** what managers and directors may do: everything but the company's settings */
const team: Permission[] = permissions.filter((p) => p !== 'settings.manage');

export const defaultRoles: Record<BuiltInRole, RoleDefinition> = {
  rep: {
    key: 'rep',
    name: { zh: '销售', en: 'Sales rep' },
    builtIn: true,
    permissions: ['customer.view', 'customer.create', 'customer.edit', 'contract.edit', 'payment.record'],
    dataScope: 'self',
    fieldRules: defaultFieldRules.rep,
  },
  manager: { key: 'manager', name: { zh: '销售经理', en: 'Sales manager' }, builtIn: true, permissions: team, dataScope: 'departmentTree', fieldRules: defaultFieldRules.manager },
  director: { key: 'director', name: { zh: '销售总监', en: 'Sales director' }, builtIn: true, permissions: team, dataScope: 'all', fieldRules: defaultFieldRules.director },
  admin: { key: 'admin', name: { zh: '管理员', en: 'Administrator' }, builtIn: true, permissions: [...permissions], dataScope: 'all', fieldRules: defaultFieldRules.admin },
  // service staff reach the customers of the tickets assigned to them (see RequestScope)
  service: { key: 'service', name: { zh: '客服', en: 'Customer service' }, builtIn: true, permissions: ['customer.view', 'ticket.handle'], dataScope: 'self', fieldRules: defaultFieldRules.service },
};

export const isBuiltInRole = (role: string): role is BuiltInRole => (builtInRoles as readonly string[]).includes(role);
