// The request scope (DESIGN.md, "Access control"): built once per request from the user, used by
// every query on customer data: routes, the bot, reports, exports, search and jobs acting for a user.
import { Types } from 'mongoose';
import { forbidden } from '../errors.ts';
import { exposure, type Exposure, type FieldRules, type MaskableField } from './field-rules.ts';
import { defaultRoles, isBuiltInRole, type DataScope, type Permission, type Role } from './permissions.ts';

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
  /** the departments a department-scoped role reaches: its own, or its own and every one below it */
  departmentSubtree: readonly string[];
  /** defaults to the built-in role's (self for a role it does not know) */
  dataScope?: DataScope;
  /** defaults to the built-in role's */
  fieldRules?: FieldRules;
  /** customers a service user reaches through tickets assigned to them (filled once tickets exist) */
  serviceCustomerIds?: readonly string[];
}

export class RequestScope {
  readonly user: ScopeUser;
  readonly permissions: ReadonlySet<Permission>;
  readonly departmentSubtree: readonly string[];
  readonly dataScope: DataScope;
  readonly fieldRules: FieldRules;
  private readonly serviceCustomerIds: readonly string[];

  constructor(init: ScopeInit) {
    this.user = init.user;
    this.permissions = init.permissions;
    this.departmentSubtree = init.departmentSubtree;
    const builtIn = isBuiltInRole(init.user.role) ? defaultRoles[init.user.role] : null;
    this.dataScope = init.dataScope ?? builtIn?.dataScope ?? 'self';
    this.fieldRules = init.fieldRules ?? builtIn?.fieldRules ?? {};
    this.serviceCustomerIds = init.serviceCustomerIds ?? [];
  }

  get role(): Role {
    return this.user.role;
  }

  /** Sees every record of the company, whatever its owner. */
  get seesAll(): boolean {
    return this.dataScope === 'all';
  }

  /** Sees the records of a department (or a department tree) besides their own. */
  get seesTeam(): boolean {
    return this.dataScope === 'department' || this.dataScope === 'departmentTree';
  }

  /** The built-in service desk role: reaches customers through tickets, owns none. */
  private get isServiceDesk(): boolean {
    return this.role === 'service';
  }

  /** How a sensitive field of a record is shown to this user (field rules; see field-rules.ts). */
  exposure(field: MaskableField, ownerId: { toString(): string } | null | undefined): Exposure {
    return exposure(this.fieldRules[field], !!ownerId && String(ownerId) === this.user.id);
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
    return this.seesAll || user.id === this.user.id || (this.seesTeam && !!user.departmentId && this.departmentSubtree.includes(user.departmentId));
  }

  /**
   * The customer filter applied to a record already read (by id): the same rule as
   * filter('customer'), for lookups that fetch by `_id` alone, which every engine serves from its
   * primary index. The scope-matrix test holds the two to the same answers.
   */
  seesCustomer(customer: { _id: Types.ObjectId; ownerId?: Types.ObjectId | null; ownerDepartmentId?: Types.ObjectId | null; collaboratorIds?: Types.ObjectId[] }): boolean {
    const me = this.user.id;
    const mine = String(customer.ownerId ?? '') === me || (customer.collaboratorIds ?? []).some((id) => String(id) === me);
    if (this.isServiceDesk) return this.serviceCustomerIds.includes(String(customer._id));
    switch (this.dataScope) {
      case 'all':
        return true;
      case 'department':
      case 'departmentTree':
        return mine || (!!customer.ownerDepartmentId && this.departmentSubtree.includes(String(customer.ownerDepartmentId)));
      case 'self':
        return mine;
    }
  }

  private contractFilter(): Record<string, unknown> {
    return this.ownedFilter('approverIds');
  }

  private customerFilter(): Record<string, unknown> {
    if (this.isServiceDesk) return { _id: { $in: this.serviceCustomerIds.map((id) => new Types.ObjectId(id)) } };
    return this.ownedFilter('collaboratorIds');
  }

  /**
   * Records reached through their owner, by the role's data scope: every one, the department's
   * (or tree's) and their own, or their own; none for the service desk. `alsoVia` names a
   * field listing more people who reach the record (a customer's collaborators, a contract's
   * approvers).
   */
  private ownedFilter(alsoVia: string | null = null): Record<string, unknown> {
    const me = new Types.ObjectId(this.user.id);
    const also = alsoVia ? [{ [alsoVia]: me }] : [];
    if (this.isServiceDesk) return { _id: { $in: [] } };
    switch (this.dataScope) {
      case 'all':
        return {};
      case 'department':
      case 'departmentTree':
        return { $or: [{ ownerDepartmentId: { $in: this.departmentSubtree.map((id) => new Types.ObjectId(id)) } }, { ownerId: me }, ...also] };
      case 'self':
        return also.length ? { $or: [{ ownerId: me }, ...also] } : { ownerId: me };
    }
  }
}
