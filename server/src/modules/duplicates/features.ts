// What duplicate detection compares of a customer (or an import row): the entry standards' keys
// for names, phones, emails and places, plus the street and the contact people. The same features
// are flattened into `dedupeKeys` (blocking keys, stored and indexed on each customer), and read
// back from them, so that a stored customer and an incoming row are compared in one way.
//
// Phones and emails are stored encrypted, so their features are `blind index~masked form`: equal
// for equal values, and telling a reviewer "同一手机 138****8000" without keeping the number readable.
import { blindIndex } from '../../core/crypto/field-cipher.ts';
import { maskEmail, maskPhone } from '../../core/masking.ts';
import {
  companyIdentity,
  compactKey,
  findProvince,
  normaliseEmail,
  normalisePhone,
  parseAddress,
  personNameKey,
  pinyinKeys,
  type Region,
} from '../standards/index.ts';

export interface DedupeInput {
  type: 'company' | 'person';
  name: string;
  phones?: string[];
  emails?: string[];
  contacts?: string[];
  region?: Region | null;
  address?: string | null;
}

export interface StoredForDedupe {
  type: 'company' | 'person';
  name: string;
  region?: Region | null;
  address?: string | null;
  dedupeKeys?: string[];
}

export interface Features {
  type: 'company' | 'person';
  /** company: the core of the name (新锐投资管理); person: the name */
  core: string;
  corePinyin: string;
  /** the 字号: first two characters of the core, and their pinyin (for homophone typos) */
  brandPinyin: string;
  /** two-digit province code, from the region, the address or the name */
  province: string | null;
  city: string | null;
  /** the province the name itself states (浙江正泰…), which must agree with the other record's */
  nameProvince: string | null;
  // Small lists without repeats rather than Sets: an import holds the features of every row while
  // it looks for duplicates, and five Sets a row would be most of that memory at 100k rows.
  /** `blind~masked` of each (see above) */
  mobiles: readonly string[];
  landlines: readonly string[];
  emails: readonly string[];
  /** company email domains (free mail providers say nothing about the company) */
  domains: readonly string[];
  contacts: readonly string[];
  /** street and number without the region: 解放路999号 */
  street: string;
}

const freeMail = new Set([
  'qq.com', 'foxmail.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'sina.cn', 'sohu.com', '139.com',
  '189.cn', 'aliyun.com', 'gmail.com', 'hotmail.com', 'outlook.com', 'live.com', 'yahoo.com', 'icloud.com',
]);

/**
 * The string as one piece. V8 keeps a joined string as a tree of its parts until it is read, and
 * reading a character flattens it in place; an import holds the features of every row of its file,
 * and flat strings take a third less of that memory.
 */
const flat = (s: string) => {
  s.charCodeAt(0);
  return s;
};

/** A phone or email as a feature: its blind index, and after `~` what a reviewer may be shown. */
const sensitive = (kind: string, value: string, masked: string) => flat(`${blindIndex(kind, value)}~${masked}`);

/** What a `sensitive` feature shows (the masked form). */
export const shownValue = (feature: string): string => feature.slice(feature.indexOf('~') + 1);

/** No values: one shared empty list, where most records have no email, landline or domain. */
const none: readonly string[] = Object.freeze([]);

/** The values without repeats, in a list of their exact length (one grown by push keeps spare room). */
const distinct = (values: readonly string[]): readonly string[] => (values.length === 0 ? none : [...new Set(values)]);

const provinceCode = (name: string | undefined) => (name ? (findProvince(name)?.code.slice(0, 2) ?? null) : null);

export function featuresOf(input: DedupeInput): Features {
  const identity = input.type === 'company' ? companyIdentity(input.name) : null;
  const core = identity ? identity.core : personNameKey(input.name);
  const parsed = input.address ? parseAddress(input.address) : null;
  const region = input.region ?? parsed?.region ?? null;
  const phones = (input.phones ?? []).map((raw) => normalisePhone(raw)).filter((p) => !!p);
  const mobiles = distinct(phones.filter((p) => p.kind === 'mobile').map((p) => sensitive('mobile', p.value, maskPhone(p.value))));
  const landlines = distinct(phones.filter((p) => p.kind !== 'mobile').map((p) => sensitive('phone', p.digits, maskPhone(p.digits))));
  const plainEmails = distinct((input.emails ?? []).map((e) => normaliseEmail(e)).filter((e): e is string => !!e));
  const emails = distinct(plainEmails.map((e) => sensitive('email', e, maskEmail(e))));
  const domains = distinct(plainEmails.map((e) => e.split('@')[1]!).filter((d) => !freeMail.has(d)));
  const pinyin = pinyinKeys(core).full;
  return {
    type: input.type,
    core,
    corePinyin: pinyin,
    brandPinyin: pinyinKeys(core.slice(0, 2)).full,
    province: provinceCode(region?.province) ?? identity?.province ?? null,
    city: region?.city ? compactKey(region.city) : null,
    nameProvince: identity?.province ?? null,
    mobiles,
    landlines,
    emails,
    domains,
    contacts: distinct((input.contacts ?? []).filter(Boolean).map((c) => flat(personNameKey(c))).filter((c) => c.length >= 2)),
    street: parsed ? compactKey(parsed.street) : '',
  };
}

/**
 * Blocking keys: two records are compared only when they share one. Each is specific enough to
 * keep blocks small and loose enough that typos (pinyin), short names (brand + place) and rows
 * without a phone (contact + place, street + place) still meet their twin.
 */
export function blockingKeys(f: Features): string[] {
  const place = f.city ?? f.province ?? '';
  const keys = new Set<string>();
  for (const m of f.mobiles) keys.add(`m:${m}`);
  for (const l of f.landlines) keys.add(`t:${l}`);
  for (const e of f.emails) keys.add(`e:${e}`);
  for (const d of f.domains) keys.add(`d:${d}`);
  if (f.core) keys.add(`n:${f.type}:${f.core}`);
  if (f.corePinyin) keys.add(`y:${f.corePinyin}`);
  if (f.brandPinyin && place) keys.add(`b:${f.brandPinyin}|${place}`);
  for (const c of f.contacts) keys.add(`c:${c}|${place}`);
  if (f.street.length >= 4 && place) keys.add(`a:${place}|${f.street}`);
  return [...keys];
}

/** The features a stored customer's blocking keys and own fields carry (the inverse of blockingKeys). */
export function featuresFromStored(customer: StoredForDedupe): Features {
  const f = featuresOf({ type: customer.type, name: customer.name, region: customer.region ?? null, address: customer.address ?? null });
  const lists: Record<string, string[]> = { m: [], t: [], e: [], d: [], c: [] };
  let street = f.street;
  for (const key of customer.dedupeKeys ?? []) {
    const [kind, value] = [key.slice(0, 1), key.slice(2)];
    if (kind === 'c') lists.c!.push(value.split('|')[0]!);
    else if (kind === 'a') street = value.slice(value.indexOf('|') + 1);
    else lists[kind]?.push(value);
  }
  return { ...f, mobiles: distinct(lists.m!), landlines: distinct(lists.t!), emails: distinct(lists.e!), domains: distinct(lists.d!), contacts: distinct(lists.c!), street };
}
