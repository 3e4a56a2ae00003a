// Indexed search without $text (the embedded engine has none): each record stores tokens
//   n:<1-2 character grams of its names>, py:<pinyin full / initials>, t:<blind index of the phone's
//   digits>, t4:<last four digits>, tl:<blind index of a landline's local number>
// in one multikey-indexed array. A query becomes a filter on that array. Phones are stored
// encrypted, so they are found whole (any format) or by their last four digits, never by a prefix.
import { blindIndex } from '../../core/crypto/field-cipher.ts';
import { normalisePhone, type NormalisedPhone } from './phone.ts';
import { pinyinKeys } from './names.ts';
import { compactKey, escapeRegex, foldWidth } from './text.ts';

function grams(text: string): string[] {
  const chars = [...text];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    out.push(chars[i]!);
    if (i + 1 < chars.length) out.push(chars[i]! + chars[i + 1]!);
  }
  return out;
}

/** The token that finds a phone by all its digits (blind: the digits are not stored readable). */
export const phoneToken = (digits: string): string => `t:${blindIndex('phone', digits)}`;
const localNumberToken = (digits: string): string => `tl:${blindIndex('phone.local', digits)}`;

export function phoneTokens(phone: NormalisedPhone): string[] {
  const tokens = [phoneToken(phone.digits), `t4:${phone.digits.slice(-4)}`];
  if (phone.kind === 'landline') tokens.push(localNumberToken(phone.value.split('-')[1]!));
  return tokens;
}

/** Tokens for a record with these names (display name, name keys) and phones. */
export function searchTokens(names: string[], phones: NormalisedPhone[]): string[] {
  const tokens = new Set<string>();
  for (const name of names) {
    const key = compactKey(name);
    if (!key) continue;
    for (const gram of grams(key)) tokens.add(`n:${gram}`);
    const { full, initials } = pinyinKeys(key);
    if (full) tokens.add(`py:${full}`);
    if (initials) tokens.add(`py:${initials}`);
  }
  for (const phone of phones) for (const token of phoneTokens(phone)) tokens.add(token);
  return [...tokens];
}

/**
 * The filter on `field` that finds records matching a typed query: names by substring, pinyin by
 * prefix (hwkj, huawei), phones in any format, whole or by their last four digits.
 */
export function searchFilter(query: string, field = 'searchTokens'): Record<string, unknown> | null {
  const text = compactKey(foldWidth(query));
  if (!text) return null;
  const alternatives: Record<string, unknown>[] = [];
  const nameGrams = [...new Set(grams(text).filter((g) => [...text].length === 1 || [...g].length === 2))];
  alternatives.push({ [field]: { $all: nameGrams.map((g) => `n:${g}`) } });
  if (/^[a-z]+$/.test(text)) alternatives.push({ [field]: { $regex: `^py:${escapeRegex(text)}` } });
  const digits = foldWidth(query).replace(/\D/g, '');
  if (/^[\d\s+\-()]+$/.test(foldWidth(query).trim()) && digits.length >= 3) {
    if (digits.length === 4) alternatives.push({ [field]: `t4:${digits}` });
    const phone = normalisePhone(query);
    const typed = new Set([digits.replace(/^(0086|86)(?=1\d{10}$)/, '')]);
    if (phone) typed.add(phone.digits);
    for (const whole of typed) alternatives.push({ [field]: phoneToken(whole) });
    if (digits.length >= 7 && digits.length <= 8) alternatives.push({ [field]: localNumberToken(digits) });
  }
  return alternatives.length === 1 ? alternatives[0]! : { $or: alternatives };
}
