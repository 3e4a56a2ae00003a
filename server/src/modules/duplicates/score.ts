// Whether two records are one customer: a score from the evidence they share, with the reasons a
// reviewer reads. Names are weak alone in one direction (the same 字号 in another city is usually
// another company) and silent in the other (short names, typos, rows of a person's name), so the
// phone, email, contact and street speak where the name cannot.
import { distance } from 'fastest-levenshtein';
import { shownValue, type Features } from './features.ts';

export type NameMatch = 'exact' | 'sound' | 'typo' | 'short' | 'none';

export type Reason =
  | { kind: 'mobile' | 'landline' | 'email' | 'domain' | 'contact' | 'street'; value: string }
  | { kind: 'name'; match: Exclude<NameMatch, 'none'> }
  | { kind: 'place' }
  | { kind: 'otherPlace' };

export interface PairScore {
  score: number;
  match: boolean;
  reasons: Reason[];
}

/** A pair at or above this score is a duplicate candidate. */
export const matchThreshold = 0.6;

const weights = {
  mobile: 0.6,
  landline: 0.45,
  email: 0.5,
  domain: 0.3,
  contact: 0.25,
  street: 0.35,
  samePlace: 0.1,
  otherPlace: -0.6,
  name: { exact: 0.6, sound: 0.5, typo: 0.45, short: 0.35 } as Record<Exclude<NameMatch, 'none'>, number>,
  /** people share names far more often than companies do */
  personName: 0.35,
};

/** Whether every character of `short` appears in `long`, in order (恒通科技 in 恒通网络科技). */
function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (const ch of long) if (ch === short[i]) i++;
  return i === short.length;
}

export function nameMatch(a: Features, b: Features): NameMatch {
  if (!a.core || !b.core) return 'none';
  if (a.core === b.core) return 'exact';
  if (a.corePinyin && a.corePinyin === b.corePinyin) return 'sound';
  // the 字号 (first two characters) must agree, in writing or in sound
  const sameBrand = a.core.slice(0, 2) === b.core.slice(0, 2) || (!!a.brandPinyin && a.brandPinyin === b.brandPinyin);
  if (!sameBrand) return 'none';
  const [short, long] = a.core.length <= b.core.length ? [a.core, b.core] : [b.core, a.core];
  if (short.length >= 3 && isSubsequence(short, long)) return 'short';
  if (short.length >= 4 && distance(a.core, b.core) === 1) return 'typo';
  return 'none';
}

const shared = (a: readonly string[], b: readonly string[]) => a.find((x) => b.includes(x));

export function scorePair(a: Features, b: Features): PairScore {
  const reasons: Reason[] = [];
  let score = 0;
  const add = (weight: number, reason: Reason) => {
    score += weight;
    reasons.push(reason);
  };

  const mobile = shared(a.mobiles, b.mobiles);
  if (mobile) add(weights.mobile, { kind: 'mobile', value: shownValue(mobile) });
  const landline = shared(a.landlines, b.landlines);
  if (landline) add(weights.landline, { kind: 'landline', value: shownValue(landline) });
  const email = shared(a.emails, b.emails);
  if (email) add(weights.email, { kind: 'email', value: shownValue(email) });
  else {
    const domain = shared(a.domains, b.domains);
    if (domain) add(weights.domain, { kind: 'domain', value: domain });
  }

  const name = nameMatch(a, b);
  if (name !== 'none') {
    const person = a.type === 'person' || b.type === 'person';
    add(person ? Math.min(weights.personName, weights.name[name]) : weights.name[name], { kind: 'name', match: name });
  }
  const contact = shared(a.contacts, b.contacts);
  if (contact) add(weights.contact, { kind: 'contact', value: contact });

  const otherProvince = !!a.province && !!b.province && a.province !== b.province;
  const otherCity = !!a.city && !!b.city && a.city !== b.city;
  // a name that states its province must agree with the other record's place
  const otherNamedProvince =
    (!!a.nameProvince && !!b.province && a.nameProvince !== b.province) || (!!b.nameProvince && !!a.province && b.nameProvince !== a.province);
  if (otherProvince || otherCity || otherNamedProvince) add(weights.otherPlace, { kind: 'otherPlace' });
  else {
    const samePlace = !!a.city && a.city === b.city;
    if (a.street && a.street === b.street && (samePlace || !a.city || !b.city)) add(weights.street, { kind: 'street', value: a.street });
    if (samePlace && name !== 'none') add(weights.samePlace, { kind: 'place' });
  }
  const rounded = Math.round(Math.max(0, Math.min(1, score)) * 100) / 100;
  return { score: rounded, match: rounded >= matchThreshold, reasons };
}
