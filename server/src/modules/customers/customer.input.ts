// Customer input as the API accepts it (zod) and the entry standards applied to it: the one place
// where a customer's stored fields and derived keys are computed (the importer uses it too).
import { z } from 'zod';
import { AppError } from '../../core/errors.ts';
import type { IssueDetail } from '../../core/http/validate.ts';
import { translate, type Locale } from '../../core/i18n.ts';
import {
  canonicalRegion,
  companyIdentity,
  findProvince,
  displayName,
  mobileKey,
  nameKey,
  normaliseEmail,
  normalisePhone,
  parseDate,
  personNameKey,
  pinyinKeys,
  searchTokens,
  type NormalisedPhone,
} from '../standards/index.ts';
import type { DictionaryType } from '../dictionaries/defaults.ts';
import { blockingKeys, featuresOf } from '../duplicates/features.ts';
import { customerStages, customerTypes, type Customer } from './customer.model.ts';
import './messages.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);
const text = (max: number) => z.string().trim().max(max);

export const customerFields = {
  type: z.enum(customerTypes),
  name: text(100).min(1),
  industry: text(50).nullable(),
  scale: text(50).nullable(),
  level: text(20).nullable(),
  source: text(50).min(1),
  stage: z.enum(customerStages),
  region: z
    .object({ province: text(30).min(1), city: text(30).optional(), district: text(30).optional() })
    .strict()
    .nullable(),
  address: text(200).nullable(),
  phones: z.array(text(40)).max(10),
  email: text(254).nullable(),
  website: text(200).nullable(),
  tags: z.array(text(30).min(1)).max(30),
  birthday: z.union([text(20), z.number()]).nullable(),
  notes: text(2000).nullable(),
  collaboratorIds: z.array(objectId).max(20),
};

export const createCustomerBody = z
  .object({
    ...customerFields,
    industry: customerFields.industry.optional(),
    scale: customerFields.scale.optional(),
    level: customerFields.level.optional(),
    stage: customerFields.stage.default('lead'),
    region: customerFields.region.optional(),
    address: customerFields.address.optional(),
    phones: customerFields.phones.default([]),
    email: customerFields.email.optional(),
    website: customerFields.website.optional(),
    tags: customerFields.tags.default([]),
    birthday: customerFields.birthday.optional(),
    notes: customerFields.notes.optional(),
    collaboratorIds: customerFields.collaboratorIds.default([]),
    ownerId: objectId.optional(),
  })
  .strict();

export const updateCustomerBody = z
  .object({ ...customerFields, locked: z.boolean(), version: z.number().int().min(0) })
  .partial()
  .strict();

export type CreateCustomerInput = z.infer<typeof createCustomerBody>;
export type UpdateCustomerInput = z.infer<typeof updateCustomerBody>;

/** The editable fields of a customer after the entry standards. */
export interface NormalisedCustomerFields {
  type: Customer['type'];
  name: string;
  industry?: string | null;
  scale?: string | null;
  level?: string | null;
  source: string;
  stage: Customer['stage'];
  region?: Customer['region'] | null;
  address?: string | null;
  phones: string[];
  email?: string | null;
  website?: string | null;
  tags: string[];
  birthday?: Date | null;
  notes?: string | null;
}

export type CustomerDraft = Partial<NormalisedCustomerFields>;

export class InputProblems {
  readonly issues: IssueDetail[] = [];
  private readonly locale: Locale;
  constructor(locale: Locale) {
    this.locale = locale;
  }
  add(path: string, messageKey: string): void {
    this.issues.push({ path, message: translate(messageKey, this.locale) });
  }
  throwIfAny(): void {
    if (this.issues.length > 0) throw new AppError('VALIDATION', { details: this.issues });
  }
}

const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value === '' ? null : value);

/** Applies the entry standards to the fields present in `input`; problems are collected by path. */
export function normaliseCustomerFields(
  input: Partial<Omit<CreateCustomerInput, 'ownerId' | 'collaboratorIds'>>,
  dictionaries: Map<DictionaryType, Set<string>>,
  problems: InputProblems,
): CustomerDraft {
  const out: CustomerDraft = {};
  if (input.type !== undefined) out.type = input.type;
  if (input.name !== undefined) out.name = displayName(input.name);
  if (input.stage !== undefined) out.stage = input.stage;
  const dictionaryFields: [keyof CustomerDraft & ('industry' | 'scale' | 'level' | 'source'), DictionaryType][] = [
    ['industry', 'industry'],
    ['scale', 'scale'],
    ['level', 'level'],
    ['source', 'source'],
  ];
  for (const [field, type] of dictionaryFields) {
    const value = blankToNull(input[field] as string | null | undefined);
    if (value === undefined) continue;
    if (value !== null && !dictionaries.get(type)?.has(value)) problems.add(field, 'error.customer.notInDictionary');
    (out as Record<string, unknown>)[field] = value;
  }
  if (input.phones !== undefined) {
    const phones: string[] = [];
    input.phones.forEach((raw, i) => {
      if (!raw.trim()) return;
      const phone = normalisePhone(raw);
      if (!phone) problems.add(`phones.${i}`, 'error.customer.invalidPhone');
      else if (!phones.includes(phone.value)) phones.push(phone.value);
    });
    out.phones = phones;
  }
  if (input.email !== undefined) {
    const raw = blankToNull(input.email);
    const email = raw === null ? null : normaliseEmail(raw);
    if (raw !== null && !email) problems.add('email', 'error.customer.invalidEmail');
    out.email = email;
  }
  if (input.region !== undefined) {
    if (input.region === null) out.region = null;
    else {
      const result = canonicalRegion(input.region);
      if ('invalid' in result) problems.add(`region.${result.invalid}`, 'error.customer.invalidRegion');
      else out.region = result.region as Customer['region'];
    }
  }
  if (input.birthday !== undefined) {
    const raw = input.birthday === '' ? null : input.birthday;
    const date = raw === null ? null : parseDate(raw);
    if (raw !== null && !date) problems.add('birthday', 'error.customer.invalidDate');
    out.birthday = date;
  }
  for (const field of ['address', 'website', 'notes'] as const) {
    const value = blankToNull(input[field]);
    if (value !== undefined) out[field] = value;
  }
  if (input.tags !== undefined) out.tags = [...new Set(input.tags.map((t) => displayName(t)).filter(Boolean))];
  return out;
}

/** Which key fields are still to be completed (待补充). */
export function missingFields(customer: Pick<NormalisedCustomerFields, 'phones' | 'region' | 'level' | 'type' | 'industry'>): string[] {
  const missing: string[] = [];
  if (customer.phones.length === 0) missing.push('phone');
  if (!customer.region) missing.push('region');
  if (!customer.level) missing.push('level');
  if (customer.type === 'company' && !customer.industry) missing.push('industry');
  return missing;
}

export interface DerivedKeys {
  nameKey: string;
  pinyinKey: string;
  companyCore: string | undefined;
  companyKey: string | undefined;
  mobileKeys: string[] | undefined;
  searchTokens: string[];
  dedupeKeys: string[];
}

/** The unique form of a company's identity: the same core in the same (or no) province. */
export function companyUniqueKey(identity: { core: string; province: string | null }): string {
  return `${identity.core}|${identity.province ?? ''}`;
}

export interface KeySource {
  type: Customer['type'];
  name: string;
  phones: string[];
  email?: string | null;
  region?: Customer['region'] | null;
  address?: string | null;
  /** the customer's contact people, whose names, phones and emails find duplicates too */
  contacts?: Customer['dedupeContacts'];
}

/**
 * A company's identity: the core of its name and its province, which the name states (浙江正泰…) or,
 * failing that, the region it is in — 中科融资租赁 in Wuhan and in Xiamen are two registrations.
 */
export function companyIdentityOf(customer: Pick<KeySource, 'name' | 'region'>) {
  const identity = companyIdentity(customer.name);
  const province = identity.province ?? (customer.region?.province ? (findProvince(customer.region.province)?.code.slice(0, 2) ?? null) : null);
  return { core: identity.core, province };
}

/** The keys duplicate control, sorting and search need, derived from name, type, phones and place. */
export function deriveKeys(customer: KeySource): DerivedKeys {
  const phones = customer.phones.map((p) => normalisePhone(p)).filter((p): p is NormalisedPhone => p !== null);
  const company = customer.type === 'company' ? companyIdentityOf(customer) : undefined;
  const companyKey = company?.core;
  const mobiles = phones.filter((p) => p.kind === 'mobile').map((p) => mobileKey(p.value));
  const key = customer.type === 'company' ? nameKey(customer.name) : personNameKey(customer.name);
  const names = [customer.name, ...(companyKey && companyKey !== key ? [companyKey] : [])];
  return {
    nameKey: key,
    pinyinKey: pinyinKeys(key).full,
    companyCore: company?.core || undefined,
    companyKey: company?.core ? companyUniqueKey(company) : undefined,
    mobileKeys: mobiles.length > 0 ? mobiles : undefined,
    searchTokens: searchTokens(names, phones),
    dedupeKeys: dedupeKeysOf(customer),
  };
}

/** Blocking keys of duplicate detection (K8), from the customer and its contact people. */
export function dedupeKeysOf(customer: KeySource): string[] {
  const contacts = customer.contacts;
  return blockingKeys(
    featuresOf({
      type: customer.type,
      name: customer.name,
      phones: [...customer.phones, ...(contacts?.phones ?? [])],
      emails: [customer.email ?? '', ...(contacts?.emails ?? [])].filter(Boolean),
      contacts: contacts?.names ?? [],
      region: customer.region ?? null,
      address: customer.address ?? null,
    }),
  );
}
