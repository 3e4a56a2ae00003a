// Roles and what each may do beyond its data scope. This default matrix is what a new company
// starts with; admins edit it (the editable copy lives in settings once that feature lands).
export const roles = ['rep', 'manager', 'director', 'admin', 'service'] as const;
export type Role = (typeof roles)[number];

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
  'phone.viewFull',
  'audit.view',
  'settings.manage',
] as const;
export type Permission = (typeof permissions)[number];

export type PermissionMatrix = Record<Role, readonly Permission[]>;

export const defaultPermissionMatrix: PermissionMatrix = {
  rep: ['customer.view', 'customer.create', 'customer.edit', 'contract.edit', 'payment.record', 'phone.viewFull'],
  manager: [
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
    'phone.viewFull',
    'audit.view',
  ],
  director: [
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
    'phone.viewFull',
    'audit.view',
  ],
  admin: [...permissions],
  service: ['customer.view', 'ticket.handle'],
};
