// Phone numbers as Chinese sales teams type them: +86 138-0013-8000, 86 13800138000, (+86)…,
// full-width digits, 021-54954215, 02154954215. Stored: mainland mobiles as 11 digits, mainland
// landlines as area-number (021-54954215), other countries in E.164 (+85291234567).
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { blindIndex } from '../../core/crypto/field-cipher.ts';
import { foldWidth } from './text.ts';

export type PhoneKind = 'mobile' | 'landline' | 'service' | 'foreign';

export interface NormalisedPhone {
  value: string;
  kind: PhoneKind;
  /** digits only, for matching partial input */
  digits: string;
}

/** Mainland area codes of two digits: 010 (Beijing) and 020–029. */
function areaCodeLength(national: string): number {
  return /^(10|2\d)/.test(national) ? 2 : 3;
}

function toInternational(input: string): string | null {
  const folded = foldWidth(input).trim();
  if (!folded) return null;
  const extension = /(?:转|ext\.?|x|#)\s*(\d{1,6})\s*$/i.exec(folded);
  const body = extension ? folded.slice(0, extension.index) : folded;
  if (/[^\d\s+\-().]/.test(body)) return null; // letters or other symbols: not a phone
  const hasPlus = body.includes('+');
  let digits = body.replace(/\D/g, '');
  if (digits.startsWith('00')) return '+' + digits.slice(2);
  if (hasPlus) return '+' + digits;
  if (/^86(1\d{10}|0?[2-9]\d{8,10}|0?10\d{8})$/.test(digits)) digits = digits.slice(2);
  return '+86' + digits.replace(/^0(?=\d)/, '');
}

export function normalisePhone(input: string | null | undefined): NormalisedPhone | null {
  if (input == null) return null;
  const international = toInternational(String(input));
  if (!international) return null;
  const parsed = parsePhoneNumberFromString(international);
  if (!parsed) return null;
  const national = String(parsed.nationalNumber);
  if (parsed.countryCallingCode !== '86') {
    if (!parsed.isValid()) return null;
    return { value: parsed.number, kind: 'foreign', digits: parsed.number.slice(1) };
  }
  if (/^1\d{10}$/.test(national)) {
    // carriers open new segments (194, 154, 179…) before the metadata knows them: the shape
    // 1[3-9]xxxxxxxxx decides, so a real customer's new number is never refused
    if (!/^1[3-9]/.test(national)) return null;
    return { value: national, kind: 'mobile', digits: national };
  }
  if (/^[48]00\d{7}$/.test(national)) return { value: national, kind: 'service', digits: national };
  // Landlines: the metadata does not know every city's local number lengths, so a well-formed
  // area code with a 7–8 digit local number is accepted even where the library is unsure.
  if (/^[2-9]\d{8,10}$/.test(national) || /^10\d{8}$/.test(national)) {
    if (!parsed.isValid() && !parsed.isPossible()) return null;
    const split = areaCodeLength(national);
    const local = national.slice(split);
    if (local.length < 7 || local.length > 8) return null;
    return { value: `0${national.slice(0, split)}-${local}`, kind: 'landline', digits: `0${national}` };
  }
  return null;
}

/** The stored key of a mainland mobile (`NormalisedPhone.value`): its blind index, as phones are stored encrypted. */
export const mobileKey = (mobile: string): string => blindIndex('mobile', mobile);
