// One import row → the customer and contact it stands for, through the same entry standards as
// the API (phones, emails, names, dates, amounts, regions), with every problem named per field.
// Errors make the row invalid; warnings leave a field empty (待补充) and say why. Cell text is
// data only: nothing in it is evaluated or read as a query.
import type { DictionaryType } from '../dictionaries/defaults.ts';
import {
  canonicalRegion,
  cleanDisplayText,
  compactKey,
  displayName,
  foldWidth,
  normaliseEmail,
  normalisePhone,
  parseAddress,
  parseAmountFen,
  parseDate,
  type Region,
} from '../standards/index.ts';
import type { ColumnMapping, ImportField } from './header-mapping.ts';

export interface RowProblem {
  field: ImportField;
  /** stable code, translated as error.import.row.<code> */
  code: string;
  value?: string;
}

export interface ImportedCustomer {
  type: 'company' | 'person';
  name: string;
  industry?: string;
  source: string;
  level?: string;
  stage?: 'lead' | 'prospect' | 'customer' | 'lost';
  region?: Region;
  address?: string;
  phones: string[];
  email?: string;
  website?: string;
  notes?: string;
  tags: string[];
  createdAt?: Date;
  annualAmountFen?: number;
}

export interface ImportedContact {
  name: string;
  position?: string;
  phones: string[];
  email?: string;
}

export interface NormalisedRow {
  customer: ImportedCustomer | null;
  contact: ImportedContact | null;
  /** the owner as written (name or login), resolved by the caller */
  owner: string;
  errors: RowProblem[];
  warnings: RowProblem[];
}

export interface RowContext {
  resolve: (type: DictionaryType, text: string) => string | null;
  now: Date;
}

const companyTypeWords = new Set(['公司', '企业', 'b端', 'b', '单位', '机构', '组织', 'company', 'business', 'enterprise', 'organization', '2b', 'tob']);
const personTypeWords = new Set(['个人', 'c端', 'c', '自然人', 'person', 'individual', 'consumer', '2c', 'toc']);
const companyNamePattern = /(公司|集团|厂|店|中心|研究院|研究所|学校|大学|医院|事务所|工作室|合作社|银行)$/;
const stageWords: Record<string, ImportedCustomer['stage']> = { 线索: 'lead', 意向: 'prospect', 成交: 'customer', 已成交: 'customer', 流失: 'lost', 已流失: 'lost' };

/** Control characters other than line breaks and tabs are noise from other systems. */
// eslint-disable-next-line no-control-regex
const clean = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();

const splitList = (text: string) =>
  foldWidth(text)
    .split(/[,;，；、|\/\n]+/)
    .map((part) => part.trim())
    .filter(Boolean);

/** Phones in one cell: `138… / 021-…`, separated by commas, slashes or semicolons. */
function splitPhones(text: string): string[] {
  const folded = foldWidth(text);
  // a single number may itself contain spaces and dashes; only clear separators split
  return folded.split(/[,;，；、|\/\n]+|\s{2,}/).map((p) => p.trim()).filter(Boolean);
}

export function normaliseRow(cells: string[], mapping: ColumnMapping, context: RowContext): NormalisedRow {
  const raw = new Map<ImportField, string>();
  for (const [index, field] of Object.entries(mapping)) {
    const value = clean(cells[Number(index)] ?? '');
    if (value && !raw.has(field)) raw.set(field, value);
  }
  const errors: RowProblem[] = [];
  const warnings: RowProblem[] = [];
  const error = (field: ImportField, code: string) => errors.push({ field, code, value: raw.get(field) });
  const warn = (field: ImportField, code: string) => warnings.push({ field, code, value: raw.get(field) });
  const get = (field: ImportField) => raw.get(field) ?? '';

  // name and type
  const name = displayName(get('name'));
  if (!name) error('name', 'required');
  else if (name.length > 100) error('name', 'tooLong');
  let type: ImportedCustomer['type'] = companyNamePattern.test(name) ? 'company' : name && /[（(]个人[)）]$/.test(name) ? 'person' : 'company';
  if (raw.has('type')) {
    const word = compactKey(get('type'));
    if (companyTypeWords.has(word)) type = 'company';
    else if (personTypeWords.has(word)) type = 'person';
    else error('type', 'unknown');
  }

  // dictionaries: unknown values leave the field to be completed, except the required source
  const dictionaryValue = (field: ImportField, dictionary: DictionaryType) => {
    if (!raw.has(field)) return undefined;
    const value = context.resolve(dictionary, get(field));
    if (!value) warn(field, 'notInDictionary');
    return value ?? undefined;
  };
  const industry = dictionaryValue('industry', 'industry');
  const level = dictionaryValue('level', 'level');
  let source = dictionaryValue('source', 'source');
  if (!source) {
    if (!raw.has('source')) warn('source', 'defaulted');
    source = context.resolve('source', '其他') ?? '其他';
  }
  let stage: ImportedCustomer['stage'];
  if (raw.has('stage')) {
    stage = stageWords[compactKey(get('stage'))] ?? (['lead', 'prospect', 'customer', 'lost'].includes(get('stage').toLowerCase()) ? (get('stage').toLowerCase() as ImportedCustomer['stage']) : undefined);
    if (!stage) error('stage', 'unknown');
  }

  // phones: every number in the cell must be a phone
  const phones: string[] = [];
  for (const field of ['phone', 'contactPhone'] as const) {
    if (!raw.has(field)) continue;
    for (const part of splitPhones(get(field))) {
      const phone = normalisePhone(part);
      if (!phone) {
        error(field, 'invalidPhone');
        break;
      }
      if (!phones.includes(phone.value)) phones.push(phone.value);
    }
  }
  const emails: string[] = [];
  for (const field of ['email', 'contactEmail'] as const) {
    if (!raw.has(field)) continue;
    const email = normaliseEmail(get(field));
    if (!email) error(field, 'invalidEmail');
    else if (!emails.includes(email)) emails.push(email);
  }

  // region from its own column, else from the address
  let region: Region | undefined;
  const address = raw.has('address') ? cleanDisplayText(get('address')) : undefined;
  if (address && address.length > 200) error('address', 'tooLong');
  const regionText = raw.get('region') ?? address;
  if (regionText) {
    const parsed = parseAddress(regionText.replace(/[/\\-]/g, ' '));
    const checked = parsed.region ? canonicalRegion(parsed.region) : null;
    if (checked && 'region' in checked) {
      region = checked.region;
      if (parsed.ambiguous) warn(raw.has('region') ? 'region' : 'address', 'regionGuessed');
    } else warn(raw.has('region') ? 'region' : 'address', 'regionNotFound');
  }

  let createdAt: Date | undefined;
  if (raw.has('createdAt')) {
    const text = get('createdAt');
    const date = parseDate(/^\d+(\.\d+)?$/.test(text) && text.length === 5 ? Number(text) : text);
    if (!date) error('createdAt', 'invalidDate');
    else if (date.getTime() > context.now.getTime()) error('createdAt', 'futureDate');
    else createdAt = date;
  }
  let annualAmountFen: number | undefined;
  if (raw.has('annualAmount')) {
    const fen = parseAmountFen(get('annualAmount'));
    if (fen === null) error('annualAmount', 'invalidAmount');
    else annualAmountFen = fen;
  }

  const notes = raw.get('notes');
  if (notes && notes.length > 2000) error('notes', 'tooLong');
  const website = raw.get('website');
  if (website && website.length > 200) error('website', 'tooLong');
  const tags = raw.has('tags') ? [...new Set(splitList(get('tags')).map(displayName))].filter((t) => t.length <= 30).slice(0, 30) : [];

  const contactName = displayName(get('contactName'));
  if (contactName.length > 50) error('contactName', 'tooLong');
  const position = raw.get('contactTitle');
  const contact: ImportedContact | null =
    contactName && contactName.length <= 50
      ? { name: contactName, phones, ...(position ? { position: position.slice(0, 50) } : {}), ...(emails[0] ? { email: emails[0] } : {}) }
      : null;

  const customer: ImportedCustomer | null =
    errors.length > 0
      ? null
      : {
          type,
          name,
          source,
          phones,
          tags,
          ...(industry ? { industry } : {}),
          ...(level ? { level } : {}),
          ...(stage ? { stage } : {}),
          ...(region ? { region } : {}),
          ...(address ? { address } : {}),
          ...(emails[0] ? { email: emails[0] } : {}),
          ...(website ? { website } : {}),
          ...(notes ? { notes } : {}),
          ...(createdAt ? { createdAt } : {}),
          ...(annualAmountFen !== undefined ? { annualAmountFen } : {}),
        };
  return { customer, contact: errors.length ? null : contact, owner: get('owner'), errors, warnings };
}
