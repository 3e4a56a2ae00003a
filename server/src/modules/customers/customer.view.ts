// How a customer is shown to a caller: full, or the limited pool view; contact details masked
// unless the caller's role may see them in full.
import type { RequestScope } from '../../core/auth/scope.ts';
import { maskEmail, maskPhone } from '../../core/masking.ts';
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
  const showFull = full && scope.can('phone.viewFull');
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
    address: full ? (customer.address ?? null) : null,
    phones: full ? customer.phones.map((p) => (showFull ? p : maskPhone(p))) : customer.phones.map(maskPhone),
    email: customer.email ? (showFull ? customer.email : maskEmail(customer.email)) : null,
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
    access,
  };
}

export type CustomerView = ReturnType<typeof customerView>;
