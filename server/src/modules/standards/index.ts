// Entry standards shared by the API, the H5 app's validation messages and the importer: one module.
export { toSimplified, foldWidth, collapseSpaces, cleanDisplayText, compactKey, escapeRegex } from './text.ts';
export { normalisePhone, mobileKey, type NormalisedPhone, type PhoneKind } from './phone.ts';
export { normaliseEmail, emailKey, parseDate, parseAmountFen, birthdayKey, birthdayKeysOn } from './contact-fields.ts';
export { displayName, nameKey, companyNameKey, companyIdentity, sameCompany, personNameKey, pinyinKeys, type PinyinKeys, type CompanyIdentity } from './names.ts';
export { canonicalRegion, regionTree, isPlaceName, findProvince, provinceOfPlace, type Region, type RegionNode } from './regions.ts';
export { searchTokens, searchFilter, phoneTokens, phoneToken } from './search-tokens.ts';
export { parseAddress, type ParsedAddress } from './address.ts';
