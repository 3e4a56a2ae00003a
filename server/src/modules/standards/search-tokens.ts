// Indexed search without $text (the embedded engine has none): each record stores tokens
//   n:<1-2 character grams of its names>, py:<pinyin full / initials>, t:<phone digits>,
//   t4:<last four digits>, tl:<landline local number>
// in one multikey-indexed array. A query becomes a filter on that array.
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

export function phoneTokens(phone: NormalisedPhone): string[] {
  const tokens = [`t:${phone.digits}`, `t4:${phone.digits.slice(-4)}`];
  if (phone.kind === 'landline') tokens.push(`tl:${phone.value.split('-')[1]}`);
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
    if (phone) alternatives.push({ [field]: `t:${phone.digits}` });
    alternatives.push({ [field]: { $regex: `^t:${escapeRegex(digits.replace(/^(0086|86)(?=1\d{10}$)/, ''))}` } });
    alternatives.push({ [field]: { $regex: `^tl:${escapeRegex(digits)}` } });
  }
  return alternatives.length === 1 ? alternatives[0]! : { $or: alternatives };
}
