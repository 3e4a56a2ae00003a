// How a customer is shown to a caller: full, or the limited pool view; phones, email and address
// as the caller's field rules allow (shown, masked or hidden; a pool view always masks).
import { revealMany, revealOne } from '../../core/auth/field-rules.ts';
import type { RequestScope } from '../../core/auth/scope.ts';
import type { Customer } from './customer.model.ts';

export type Access = 'full' | 'pool';

export interface Names {
  users: Map<string, string>;
  departments: Map<string, string>;
  pools: Map<string, string>;
}

const person = (id: unknown, names: Names) => {
  if (!id) return null;
  return { id: String(id), name: names.users.get(String(id)) ?? '' };
};

export function customerView(customer: Customer, access: Access, scope: RequestScope, names: Names) {
  const full = access === 'full';
  // the pool view never shows more than masked contact details, whatever the rules allow
  const shown = (field: 'customer.phones' | 'customer.email') => {
    const how = scope.exposure(field, customer.ownerId);
    return full || how === 'hidden' ? how : 'masked';
  };
  return {
    id: customer._id.toHexString(),
    type: customer.type,
    name: customer.name,
    industry: customer.industry ?? null,
    scale: customer.scale ?? null,
    level: customer.level ?? null,
    source: customer.source,
    stage: customer.stage,
    region: customer.region ?? null,
    address: full ? revealOne('customer.address', customer.address, scope.exposure('customer.address', customer.ownerId)) : null,
    phones: revealMany('customer.phones', customer.phones, shown('customer.phones')),
    email: revealOne('customer.email', customer.email, shown('customer.email')),
    website: customer.website ?? null,
    tags: customer.tags,
    birthday: full ? (customer.birthday ?? null) : null,
    notes: full ? (customer.notes ?? null) : null,
    annualAmountFen: full ? (customer.annualAmountFen ?? null) : null,
    owner: person(customer.ownerId, names),
    department: customer.ownerDepartmentId
      ? { id: String(customer.ownerDepartmentId), name: names.departments.get(String(customer.ownerDepartmentId)) ?? '' }
      : null,
    collaborators: full ? customer.collaboratorIds.map((id) => person(id, names)!) : [],
    locked: customer.locked ?? false,
    pool: customer.pool
      ? {
          id: String(customer.pool.poolId),
          name: names.pools.get(String(customer.pool.poolId)) ?? '',
          enteredAt: customer.pool.enteredAt,
          reason: full ? (customer.pool.reason ?? null) : null,
        }
      : null,
    lastFollowUpAt: customer.lastFollowUpAt,
    nextFollowUpAt: full ? customer.nextFollowUpAt : null,
    needsCompletion: customer.needsCompletion,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
    createdBy: full ? person(customer.createdBy, names) : null,
    deletedAt: customer.deletedAt ?? null,
    version: customer.version,
    externalIds: customer.externalIds ?? {},
    access,
  };
}

export type CustomerView = ReturnType<typeof customerView>;
