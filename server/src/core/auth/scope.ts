// The request scope (DESIGN.md, "Access control"): built once per request from the user, used by
// every query on customer data: routes, the bot, reports, exports, search and jobs acting for a user.
import { Types } from 'mongoose';
import { forbidden } from '../errors.ts';
import type { Permission, Role } from './permissions.ts';

export interface ScopeUser {
  id: string;
  login: string;
  name: string;
  role: Role;
  departmentId: string | null;
  isManager: boolean;
}

/**
 * Entities with their own visibility rule: customers; contracts (by their owner, plus the people a
 * contract was routed to for approval); opportunities (by their owner).
 */
export type ScopedEntity = 'customer' | 'contract' | 'opportunity';

export interface ScopeInit {
  user: ScopeUser;
  permissions: ReadonlySet<Permission>;
  /** the user's department and every department below it (managers) */
  departmentSubtree: readonly string[];
  /** customers a service user reaches through tickets assigned to them (filled once tickets exist) */
  serviceCustomerIds?: readonly string[];
}

export class RequestScope {
  readonly user: ScopeUser;
  readonly permissions: ReadonlySet<Permission>;
  readonly departmentSubtree: readonly string[];
  private readonly serviceCustomerIds: readonly string[];

  constructor(init: ScopeInit) {
    this.user = init.user;
    this.permissions = init.permissions;
    this.departmentSubtree = init.departmentSubtree;
    this.serviceCustomerIds = init.serviceCustomerIds ?? [];
  }

  get role(): Role {
    return this.user.role;
  }

  /** Sees every record of the company, whatever its owner. */
  get seesAll(): boolean {
    return this.role === 'admin' || this.role === 'director';
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  require(permission: Permission): void {
    if (!this.can(permission)) throw forbidden();
  }

  /**
   * The MongoDB filter that limits a query to what this user may see. Combine it with the request's
   * own filter under `$and`, never by spreading, so a client field cannot overwrite it.
   */
  filter(entity: ScopedEntity): Record<string, unknown> {
    switch (entity) {
      case 'customer':
        return this.customerFilter();
      case 'contract':
        return this.contractFilter();
      case 'opportunity':
        return this.ownedFilter();
    }
  }

  /** Whom this user may make the owner of a record: anyone (directors, admins), themselves, or a manager's own tree. */
  canAssignTo(user: { id: string; departmentId: string | null }): boolean {
    return this.seesAll || user.id === this.user.id || (this.role === 'manager' && !!user.departmentId && this.departmentSubtree.includes(user.departmentId));
  }

  /**
   * The customer filter applied to a record already read (by id): the same rule as
   * filter('customer'), for lookups that fetch by `_id` alone, which every engine serves from its
   * primary index. The scope-matrix test holds the two to the same answers.
   */
  seesCustomer(customer: { _id: Types.ObjectId; ownerId?: Types.ObjectId | null; ownerDepartmentId?: Types.ObjectId | null; collaboratorIds?: Types.ObjectId[] }): boolean {
    const me = this.user.id;
    const mine = String(customer.ownerId ?? '') === me || (customer.collaboratorIds ?? []).some((id) => String(id) === me);
    switch (this.role) {
      case 'admin':
      case 'director':
        return true;
      case 'manager':
        return mine || (!!customer.ownerDepartmentId && this.departmentSubtree.includes(String(customer.ownerDepartmentId)));
      case 'rep':
        return mine;
      case 'service':
        return this.serviceCustomerIds.includes(String(customer._id));
    }
  }

  private contractFilter(): Record<string, unknown> {
    return this.ownedFilter('approverIds');
  }

  private customerFilter(): Record<string, unknown> {
    if (this.role === 'service') return { _id: { $in: this.serviceCustomerIds.map((id) => new Types.ObjectId(id)) } };
    return this.ownedFilter('collaboratorIds');
  }

  /**
   * Records reached through their owner: every one for directors and admins, the department
   * tree's and their own for managers, their own for reps, none for service. `alsoVia` names a
   * field listing more people who reach the record (a customer's collaborators, a contract's
   * approvers).
   */
  private ownedFilter(alsoVia: string | null = null): Record<string, unknown> {
    const me = new Types.ObjectId(this.user.id);
    const also = alsoVia ? [{ [alsoVia]: me }] : [];
    switch (this.role) {
      case 'admin':
      case 'director':
        return {};
      case 'manager':
        return { $or: [{ ownerDepartmentId: { $in: this.departmentSubtree.map((id) => new Types.ObjectId(id)) } }, { ownerId: me }, ...also] };
      case 'rep':
        return also.length ? { $or: [{ ownerId: me }, ...also] } : { ownerId: me };
      case 'service':
        return { _id: { $in: [] } };
    }
  }
}
