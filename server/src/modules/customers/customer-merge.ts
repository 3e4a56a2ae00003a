// The customer records' part of a merge (K8): the survivor takes the chosen fields and the union of
// phones, tags and collaborators; the merged customer is retired (deleted, pointing at the
// survivor, its unique keys freed). Undo puts back what the merge changed and nothing edited since.
import { Types } from 'mongoose';
import type { RequestScope } from '../../core/auth/scope.ts';
import { AppError } from '../../core/errors.ts';
import { deriveKeys, missingFields } from './customer.input.ts';
import type { Customer } from './customer.model.ts';
import type { CustomerDeps } from './customer.service.ts';

/** Fields a reviewer picks per field in the merge dialog; the rest are combined or kept. */
export const mergeChoiceFields = [
  'name', 'type', 'industry', 'scale', 'level', 'source', 'stage', 'region', 'address', 'email', 'website', 'birthday', 'notes', 'ownerId', 'annualAmountFen',
] as const;
export type MergeChoiceField = (typeof mergeChoiceFields)[number];
export type MergeChoices = Partial<Record<MergeChoiceField, 'survivor' | 'merged'>>;

/** Every field a merge may change on the survivor, as stored before and after it. */
const trackedFields = [...mergeChoiceFields, 'ownerDepartmentId', 'phones', 'tags', 'collaboratorIds', 'lastFollowUpAt', 'nextFollowUpAt'] as const;
export type SurvivorFields = Partial<Pick<Customer, (typeof trackedFields)[number]>>;

const isDuplicateKeyError = (error: unknown) => (error as { code?: unknown })?.code === 11000;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const pick = (c: Customer): SurvivorFields => Object.fromEntries(trackedFields.map((f) => [f, c[f] ?? null])) as SurvivorFields;
const union = <T>(a: T[], b: T[]) => [...new Map([...a, ...b].map((x) => [String(x), x])).values()];

function setAndUnset(fields: Record<string, unknown>) {
  const set: Record<string, unknown> = {};
  const unset: Record<string, ''> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === null || value === undefined) unset[field] = '';
    else set[field] = value;
  }
  return { set, unset };
}

function keyFields(next: Customer) {
  const keys = deriveKeys({ ...next, contacts: next.dedupeContacts });
  return {
    nameKey: keys.nameKey,
    pinyinKey: keys.pinyinKey,
    searchTokens: keys.searchTokens,
    dedupeKeys: keys.dedupeKeys,
    companyKey: keys.companyKey ?? null,
    companyCore: keys.companyCore ?? null,
    mobileKeys: keys.mobileKeys ?? null,
    needsCompletion: missingFields(next),
  };
}

export async function absorbCustomer(
  deps: CustomerDeps,
  scope: RequestScope,
  survivor: Customer,
  merged: Customer,
  choices: MergeChoices,
): Promise<{ before: SurvivorFields; after: SurvivorFields }> {
  const now = deps.clock.now();
  const me = new Types.ObjectId(scope.user.id);
  // retire the merged customer first: its name and mobiles become free for the survivor
  const retired = await deps.customers.updateOne(
    { _id: merged._id, deletedAt: null },
    {
      $set: {
        deletedAt: now,
        deletedBy: me,
        mergedInto: survivor._id,
        deletedKeys: { companyKey: merged.companyKey, companyCore: merged.companyCore, mobileKeys: merged.mobileKeys },
        updatedAt: now,
      },
      $unset: { companyKey: '', companyCore: '', mobileKeys: '' },
      $inc: { version: 1 },
    },
  );
  if (retired.modifiedCount === 0) throw new AppError('CONFLICT', { messageKey: 'error.merge.changed' });

  const next: Customer = { ...survivor };
  for (const field of mergeChoiceFields) {
    if (choices[field] === 'merged') (next as unknown as Record<string, unknown>)[field] = merged[field] ?? null;
  }
  if (choices.ownerId === 'merged') next.ownerDepartmentId = merged.ownerDepartmentId;
  next.phones = union(survivor.phones, merged.phones);
  next.tags = union(survivor.tags, merged.tags);
  next.collaboratorIds = union(survivor.collaboratorIds, merged.collaboratorIds).filter((id) => !next.ownerId?.equals(id));
  const times = (a: Date | null, b: Date | null, pickLater: boolean) => (!a ? b : !b ? a : (a > b) === pickLater ? a : b);
  next.lastFollowUpAt = times(survivor.lastFollowUpAt, merged.lastFollowUpAt, true);
  next.nextFollowUpAt = times(survivor.nextFollowUpAt, merged.nextFollowUpAt, false);
  const after = pick(next);
  const { set, unset } = setAndUnset({ ...after, ...keyFields(next) });
  try {
    const updated = await deps.customers.updateOne(
      { _id: survivor._id, version: survivor.version, deletedAt: null },
      { $set: { ...set, updatedAt: now, updatedBy: me }, ...(Object.keys(unset).length ? { $unset: unset } : {}), $inc: { version: 1 } },
    );
    if (updated.modifiedCount === 0) throw new AppError('CONFLICT', { messageKey: 'error.merge.changed' });
  } catch (error) {
    // the survivor could not take the chosen name (a third customer has it): the merged one returns
    await reviveRetired(deps, merged);
    if (isDuplicateKeyError(error)) throw new AppError('DUPLICATE', { messageKey: 'error.merge.keyTaken' });
    throw error;
  }
  await deps.stats.add(merged.ownerId, merged.createdAt, 'newCustomers', -1, merged.region?.province ?? '');
  await moveNewCustomerCount(deps, survivor, next);
  return { before: pick(survivor), after };
}

/** The survivor's new-customer count follows its owner and province. */
async function moveNewCustomerCount(deps: CustomerDeps, from: Pick<Customer, 'ownerId' | 'createdAt' | 'region'>, to: Pick<Customer, 'ownerId' | 'createdAt' | 'region'>) {
  const province = (c: Pick<Customer, 'region'>) => c.region?.province ?? '';
  if (String(from.ownerId) === String(to.ownerId) && province(from) === province(to)) return;
  await deps.stats.add(from.ownerId, from.createdAt, 'newCustomers', -1, province(from));
  await deps.stats.add(to.ownerId, to.createdAt, 'newCustomers', 1, province(to));
}

async function reviveRetired(deps: CustomerDeps, merged: Customer): Promise<void> {
  const keys = merged.deletedKeys ?? { companyKey: merged.companyKey, companyCore: merged.companyCore, mobileKeys: merged.mobileKeys };
  const { set } = setAndUnset({ companyKey: keys.companyKey, companyCore: keys.companyCore, mobileKeys: keys.mobileKeys?.length ? keys.mobileKeys : null });
  await deps.customers.updateOne(
    { _id: merged._id },
    { $set: { ...set, deletedAt: null, updatedAt: deps.clock.now() }, $unset: { mergedInto: '', deletedKeys: '', deletedBy: '' }, $inc: { version: 1 } },
  );
}

/**
 * Undoes the customer side of a merge: the survivor's fields go back where they still hold what
 * the merge set (later edits stay), phones and tags lose what the merge added, and the merged
 * customer returns with its keys.
 */
export async function reviveMerged(deps: CustomerDeps, survivorId: Types.ObjectId, mergedId: Types.ObjectId, before: SurvivorFields, after: SurvivorFields): Promise<void> {
  const [survivor, merged] = await Promise.all([
    deps.customers.findById(survivorId).lean<Customer>(),
    deps.customers.findOne({ _id: mergedId, mergedInto: survivorId }).lean<Customer>(),
  ]);
  if (!survivor || !merged) throw new AppError('CONFLICT', { messageKey: 'error.merge.cannotUndo' });
  const next: Customer = { ...survivor };
  const record = next as unknown as Record<string, unknown>;
  for (const field of trackedFields) {
    if (field === 'phones' || field === 'tags' || field === 'collaboratorIds') continue;
    if (same(survivor[field], after[field])) record[field] = before[field] ?? null;
  }
  const added = (field: 'phones' | 'tags' | 'collaboratorIds') => {
    const gained = new Set(((after[field] ?? []) as unknown[]).map(String));
    for (const x of (before[field] ?? []) as unknown[]) gained.delete(String(x));
    return ((survivor[field] ?? []) as unknown[]).filter((x) => !gained.has(String(x)));
  };
  next.phones = added('phones') as string[];
  next.tags = added('tags') as string[];
  next.collaboratorIds = added('collaboratorIds') as Types.ObjectId[];
  const { set, unset } = setAndUnset({ ...pick(next), ...keyFields(next) });
  const now = deps.clock.now();
  await deps.customers.updateOne({ _id: survivorId }, { $set: { ...set, updatedAt: now }, ...(Object.keys(unset).length ? { $unset: unset } : {}), $inc: { version: 1 } });
  try {
    await reviveRetired(deps, merged);
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new AppError('DUPLICATE', { messageKey: 'error.merge.keyTaken' });
    throw error;
  }
  await moveNewCustomerCount(deps, survivor, next);
  await deps.stats.add(merged.ownerId, merged.createdAt, 'newCustomers', 1, merged.region?.province ?? '');
}
