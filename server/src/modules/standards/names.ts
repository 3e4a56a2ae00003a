// Customer and contact names: the display form people see and the keys duplicate control and
// search compare. K8's fuzzy matching builds on the same keys.
import { pinyin } from 'pinyin-pro';
import { isPlaceName, placeNames, provinceOfPlace } from './regions.ts';
import { cleanDisplayText, compactKey, foldWidth, toSimplified } from './text.ts';

/** Legal-form endings ignored when comparing company names, longest first. */
const legalForms = ['股份有限公司', '有限责任公司', '有限公司', '公司'];

export function displayName(input: string): string {
  return cleanDisplayText(input);
}

/** Folded, lowercased, without spaces or punctuation: for exact comparison and sorting. */
export function nameKey(input: string): string {
  return compactKey(input);
}

export interface CompanyIdentity {
  /** the company's own name: 新锐投资管理 for 广州新锐投资管理有限公司 */
  core: string;
  /** the province its name places it in (two-digit code), when the name says */
  province: string | null;
}

/**
 * What makes company names the same customer: 广州新锐投资管理有限公司, 新锐投资管理（广州）有限公司 and
 * ' 广州新锐投资管理有限公司 ' share the core 新锐投资管理. Bracketed places, a leading province or city,
 * legal-form endings, width, case, spaces and punctuation are ignored in the core; the place is kept
 * aside, so that 济南长青商贸 and 武汉长青商贸 (two registrations in two provinces) stay apart.
 */
export function companyIdentity(input: string): CompanyIdentity {
  const places: string[] = [];
  let name = toSimplified(foldWidth(input)).toLowerCase().replace(/\s+/g, '');
  // bracketed places (（北京）, (中国)) go; other bracketed words stay, without their brackets
  name = name.replace(/[(（[【]([^()（）[\]【】]*)[)）\]】]/g, (_, inner: string) => {
    if (!isPlaceName(inner)) return inner;
    places.push(inner);
    return '';
  });
  for (const form of legalForms) {
    if (name.endsWith(form) && name.length > form.length + 1) {
      name = name.slice(0, -form.length);
      break;
    }
  }
  // leading province and city (浙江, 浙江省杭州市, 厦门市), as long as a real name remains
  // (中山大学 keeps its 中山: two characters are too few to be a company's own name)
  for (let stripped = true; stripped; ) {
    stripped = false;
    for (const place of placeNames) {
      if (name.startsWith(place) && name.length - place.length >= 3) {
        name = name.slice(place.length);
        places.push(place);
        stripped = true;
        break;
      }
    }
  }
  const provinces = [...new Set(places.map(provinceOfPlace).filter((p): p is string => p !== null))];
  return { core: compactKey(name), province: provinces.length === 1 ? provinces[0]! : null };
}

/** The core of a company name (see companyIdentity). */
export function companyNameKey(input: string): string {
  return companyIdentity(input).core;
}

/** Two names with the same core are one company unless they name different provinces. */
export function sameCompany(a: CompanyIdentity, b: CompanyIdentity): boolean {
  return a.core === b.core && (a.province === null || b.province === null || a.province === b.province);
}

/** The key for person names: （个人） and similar bracketed notes are not part of the name. */
export function personNameKey(input: string): string {
  return compactKey(foldWidth(input).replace(/[(（][^()（）]*[)）]/g, ''));
}

export interface PinyinKeys {
  full: string;
  initials: string;
}

export function pinyinKeys(input: string): PinyinKeys {
  const text = compactKey(input);
  if (!text) return { full: '', initials: '' };
  const syllables = pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  const initials = pinyin(text, { pattern: 'first', toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  const clean = (parts: string[]) => parts.join('').toLowerCase().replace(/[^a-z0-9]/g, '');
  return { full: clean(syllables), initials: clean(initials) };
}
