// Field rules: per role, which sensitive fields are shown in full, only to the record's owner,
// masked (138****8000) or not at all. Every path that returns these fields (the H5 and open APIs,
// exports, search, bot replies and cards, audit entries) goes through reveal() below, so one
// rule decides them all; tests/integration/field-masking.test.ts walks the paths.
import { maskEmail, maskPhone } from '../masking.ts';

/** The fields a rule can cover, with how each is masked. */
export const maskableFields = {
  'customer.phones': 'phone',
  'customer.email': 'email',
  'customer.address': 'text',
  'contact.phones': 'phone',
  'contact.email': 'email',
} as const;
export type MaskableField = keyof typeof maskableFields;
export const maskableFieldNames = Object.keys(maskableFields) as MaskableField[];

/** visible: in full; ownerOnly: in full to the record's owner, masked to anyone else; masked; hidden. */
export const fieldRuleValues = ['visible', 'ownerOnly', 'masked', 'hidden'] as const;
export type FieldRule = (typeof fieldRuleValues)[number];
export type FieldRules = Partial<Record<MaskableField, FieldRule>>;

const contactDetails = (rule: FieldRule): FieldRules => ({ 'customer.phones': rule, 'customer.email': rule, 'contact.phones': rule, 'contact.email': rule });

export const defaultFieldRules = {
  // a rep sees the numbers of the customers they own; a collaborator sees them masked
  rep: contactDetails('ownerOnly'),
  manager: {},
  director: {},
  admin: {},
  service: contactDetails('masked'),
} as const satisfies Record<string, FieldRules>;

export type Exposure = 'full' | 'masked' | 'hidden';

/** What a rule shows to someone who does (owner) or does not own the record. */
export function exposure(rule: FieldRule | undefined, owner: boolean): Exposure {
  switch (rule ?? 'visible') {
    case 'visible':
      return 'full';
    case 'ownerOnly':
      return owner ? 'full' : 'masked';
    case 'masked':
      return 'masked';
    case 'hidden':
      return 'hidden';
  }
}

function maskOne(field: MaskableField, value: string): string {
  switch (maskableFields[field]) {
    case 'phone':
      return maskPhone(value);
    case 'email':
      return maskEmail(value);
    case 'text':
      return value.length <= 2 ? '***' : `${value.slice(0, 2)}***`;
  }
}

/** A single-valued field as the exposure allows: itself, masked, or null. */
export function revealOne(field: MaskableField, value: string | null | undefined, how: Exposure): string | null {
  if (value === null || value === undefined || value === '') return value ?? null;
  return how === 'full' ? value : how === 'masked' ? maskOne(field, value) : null;
}

/** A list field as the exposure allows: itself, each masked, or empty. */
export function revealMany(field: MaskableField, values: readonly string[], how: Exposure): string[] {
  return how === 'full' ? [...values] : how === 'masked' ? values.map((v) => maskOne(field, v)) : [];
}

/** The rule's field for a record's field by name (an audit change of `customer`'s `phones`), if any. */
export function maskableField(entity: string, field: string): MaskableField | null {
  const key = `${entity}.${field}`;
  return key in maskableFields ? (key as MaskableField) : null;
}

/** A value of unknown shape (an audit change's before or after) as the exposure allows. */
export function revealValue(field: MaskableField, value: unknown, how: Exposure): unknown {
  if (Array.isArray(value)) return revealMany(field, value.map(String), how);
  if (typeof value === 'string') return revealOne(field, value, how);
  return value;
}
