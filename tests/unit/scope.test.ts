import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { builtInRoles as roles, defaultRoles, type BuiltInRole as Role } from '../../server/src/core/auth/permissions.ts';
import { RequestScope } from '../../server/src/core/auth/scope.ts';

const me = new Types.ObjectId().toHexString();
const east = new Types.ObjectId().toHexString();
const eastTeam = new Types.ObjectId().toHexString();

function scopeFor(role: Role, extra: Partial<ConstructorParameters<typeof RequestScope>[0]> = {}) {
  return new RequestScope({
    user: { id: me, login: 'u', name: 'U', role, departmentId: east, isManager: role === 'manager' },
    permissions: new Set(defaultRoles[role].permissions),
    departmentSubtree: role === 'manager' ? [east, eastTeam] : [],
    ...extra,
  });
}

describe('request scope: customers', () => {
  it('limits a rep to customers they own or collaborate on', () => {
    const filter = scopeFor('rep').filter('customer');
    expect(filter).toEqual({
      $or: [{ ownerId: new Types.ObjectId(me) }, { collaboratorIds: new Types.ObjectId(me) }],
    });
  });

  it('gives a manager their department subtree', () => {
    const filter = scopeFor('manager').filter('customer') as { $or: Record<string, { $in?: Types.ObjectId[] }>[] };
    const departments = filter.$or[0]!.ownerDepartmentId!.$in!.map((id) => id.toHexString());
    expect(departments).toEqual([east, eastTeam]);
  });

  it('gives directors and admins everything', () => {
    expect(scopeFor('director').filter('customer')).toEqual({});
    expect(scopeFor('admin').filter('customer')).toEqual({});
  });

  it('gives service staff only the customers of their tickets (none until tickets exist)', () => {
    expect(scopeFor('service').filter('customer')).toEqual({ _id: { $in: [] } });
    const ticketCustomer = new Types.ObjectId().toHexString();
    expect(scopeFor('service', { serviceCustomerIds: [ticketCustomer] }).filter('customer')).toEqual({
      _id: { $in: [new Types.ObjectId(ticketCustomer)] },
    });
  });

  it('checks permissions and refuses with FORBIDDEN', () => {
    expect(scopeFor('rep').can('customer.delete')).toBe(false);
    expect(() => scopeFor('rep').require('settings.manage')).toThrowError(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(scopeFor('admin').can('settings.manage')).toBe(true);
    for (const role of roles) expect(scopeFor(role).can('customer.view')).toBe(true);
  });
});
