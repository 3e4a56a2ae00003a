// What the merge dialog computes: the fields a reviewer picks (the server's mergeChoiceFields, checked
// against its type), each field's value as text, and the choices it starts with. Pure functions.
import type { Customer, MergeChoiceField, MergeChoices } from '../api/types.ts';
import { formatDate, formatFen } from './format.ts';

export const mergeFields = [
  'name', 'type', 'industry', 'scale', 'level', 'source', 'stage', 'region', 'address', 'email', 'website', 'birthday', 'notes', 'ownerId', 'annualAmountFen',
] as const satisfies readonly MergeChoiceField[];

// a field the server adds to its choices must be added here too: this stops the build until it is
type Unlisted = Exclude<MergeChoiceField, (typeof mergeFields)[number]>;
const everyFieldListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyFieldListed;

type Translate = (key: string) => string;

/**
 * A field's value as the dialog shows it, '' when the customer has none. Fields the customer's view
 * does not carry (the yearly purchases) read as undefined: unknown, so never "the same".
 */
export function fieldText(customer: Customer, field: MergeChoiceField, t: Translate): string | undefined {
  const c = customer as Customer & { annualAmountFen?: number | null };
  switch (field) {
    case 'type':
      return t(`form.${c.type}`);
    case 'stage':
      return t(`stage.${c.stage}`);
    case 'region':
      return c.region ? [c.region.province, c.region.city, c.region.district].filter(Boolean).join(' ') : '';
    case 'ownerId':
      return c.owner?.name ?? '';
    case 'birthday':
      return c.birthday ? formatDate(String(c.birthday)) : '';
    case 'annualAmountFen':
      if (!('annualAmountFen' in c)) return undefined;
      return typeof c.annualAmountFen === 'number' ? formatFen(c.annualAmountFen) : '';
    default: {
      const value = c[field];
      return value === null || value === undefined ? '' : String(value);
    }
  }
}

/** Whether both customers hold the same value of a field (nothing to choose). */
export function sameValue(a: Customer, b: Customer, field: MergeChoiceField, t: Translate): boolean {
  if (field === 'ownerId') return (a.owner?.id ?? null) === (b.owner?.id ?? null);
  const [x, y] = [fieldText(a, field, t), fieldText(b, field, t)];
  return x !== undefined && x === y;
}

/** The survivor's values, except where it has none and the merged customer has one. */
export function defaultChoices(survivor: Customer, merged: Customer, t: Translate): MergeChoices {
  const choices: MergeChoices = {};
  for (const field of mergeFields) {
    if (sameValue(survivor, merged, field, t)) continue;
    choices[field] = fieldText(survivor, field, t) === '' && fieldText(merged, field, t) ? 'merged' : 'survivor';
  }
  return choices;
}

/** What moved, as [kind, count] pairs with something in them, most first. */
export function movedKinds(moved: Record<string, number>): [string, number][] {
  return Object.entries(moved)
    .filter(([, n]) => n > 0)
    .sort((x, y) => y[1] - x[1]);
}
