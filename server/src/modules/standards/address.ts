// Free-typed addresses into province/city/district and the street part, as sales lists hold them:
// `浙江 杭州 拱墅区 解放路999号`, `江苏省苏州市吴中区长江路334号`, `朝阳区建国路88号` (→ 北京市).
import { citiesOf, districtsOf, findProvince, provinces, type Place, type Region } from './regions.ts';
import { foldWidth } from './text.ts';

export interface ParsedAddress {
  /** the region the address names, as far as it names one */
  region: Region | null;
  /** what follows the region: 解放路999号 */
  street: string;
  /** the district alone named several places and the likeliest was taken */
  ambiguous: boolean;
}

/**
 * Where a district name alone is shared (朝阳区: Beijing and Changchun; 白云区: Guangzhou and
 * Guiyang), a customer list is likelier to mean the larger business centre: municipalities first,
 * then the sub-provincial cities, by the first four digits of their division code.
 */
const businessCentres = [
  '1101', '3101', '1201', '5001', '4401', '4403', '3301', '3201', '4201', '5101', '6101', '3702',
  '3302', '3502', '2102', '2101', '2301', '2201', '3701',
];
const centreRank = (code: string) => {
  const rank = businessCentres.indexOf(code.slice(0, 4));
  return rank === -1 ? businessCentres.length : rank;
};

const allCities: Place[] = provinces.flatMap((p) => citiesOf(p));
const allDistricts: Place[] = allCities.flatMap((c) => districtsOf(c));

/** Names that end a street, so that 中山路 is not read as 中山 (a city) + 路. */
const streetStart = /^(路|街|道|大道|大街|巷|弄|胡同|里|号|村|镇|乡|广场|大厦)/;

function startsWithPlace(text: string, candidates: Place[], spaced: Set<number>, offset: number, allowShort: boolean): Place | undefined {
  // the full name first (江苏省, 苏州市, 吴中区), then the short one (江苏, 苏州) when it is set apart
  // by a space or not followed by a street word
  const byLength = [...candidates].sort((a, b) => b.name.length - a.name.length);
  const full = byLength.find((p) => text.startsWith(p.name));
  if (full) return full;
  if (!allowShort) return undefined;
  return byLength.find((p) => {
    if (p.short.length < 2 || !text.startsWith(p.short)) return false;
    const rest = text.slice(p.short.length);
    // 朝阳区… is a district, not 朝阳 (a city) followed by 区
    if (/^[区县旗]/.test(rest)) return false;
    return spaced.has(offset + p.short.length) || (!streetStart.test(rest) && rest.length > 0);
  });
}

const strip = (text: string, place: Place, offset: number) => {
  const length = text.startsWith(place.name) ? place.name.length : place.short.length;
  return { text: text.slice(length), offset: offset + length };
};

export function parseAddress(input: string | null | undefined): ParsedAddress {
  const folded = foldWidth(String(input ?? '')).trim();
  // where the typist put spaces between the parts: positions in the space-free text
  const spaced = new Set<number>();
  let compact = '';
  for (const ch of folded) {
    if (/\s/.test(ch)) spaced.add(compact.length);
    else compact += ch;
  }
  let text = compact;
  let offset = 0;
  let ambiguous = false;

  const province = startsWithPlace(text, provinces, spaced, offset, true);
  if (province) ({ text, offset } = strip(text, province, offset));
  const cityPool = province ? citiesOf(province) : allCities;
  let city = startsWithPlace(text, cityPool, spaced, offset, true);
  // municipalities repeat themselves (北京 北京 东城区) or skip the city (上海市闵行区)
  if (city) ({ text, offset } = strip(text, city, offset));
  else if (province && cityPool.length === 1) city = cityPool[0];
  let district: Place | undefined;
  if (city) {
    district = startsWithPlace(text, districtsOf(city), spaced, offset, false);
  } else if (province) {
    const found = cityPool.flatMap((c) => districtsOf(c)).filter((d) => text.startsWith(d.name));
    district = found[0];
    ambiguous = found.length > 1;
  } else {
    const found = allDistricts.filter((d) => d.name.length >= 2 && text.startsWith(d.name));
    found.sort((a, b) => centreRank(a.code) - centreRank(b.code));
    district = found[0];
    ambiguous = found.length > 1;
  }
  if (district) {
    text = text.slice(district.name.length);
    city ??= allCities.find((c) => c.code.slice(0, 4) === district!.code.slice(0, 4));
  }
  const provinceOf = (code: string) => provinces.find((p) => p.code.slice(0, 2) === code.slice(0, 2));
  const resolvedProvince = province ?? (city ? provinceOf(city.code) : undefined);
  if (!resolvedProvince) return { region: null, street: compact, ambiguous: false };
  const region: Region = { province: resolvedProvince.name };
  // 重庆's "县" pseudo-city is a grouping of the data, not a name people write
  if (city && city.name !== '县') region.city = city.name;
  if (district && region.city) region.district = district.name;
  return { region, street: text, ambiguous };
}
