// Chinese administrative divisions from Vant's maintained data package (@vant/area-data), the same
// data the H5 cascader shows: validation of {province, city, district}, short names (浙江 → 浙江省)
// and the set of place names that company-name normalisation strips.
import { areaList } from '@vant/area-data';

export interface Region {
  province: string;
  city?: string;
  district?: string;
}

export interface Place {
  code: string;
  name: string;
  short: string;
}

export interface RegionNode {
  code: string;
  name: string;
  children?: RegionNode[];
}

const provinceShort = (name: string) => name.replace(/(壮族|回族|维吾尔)?(自治区|特别行政区|省|市)$/, '');
const cityShort = (name: string) => name.replace(/(市|地区|盟|自治州)$/, '');
const districtShort = (name: string) => (name.length > 2 ? name.replace(/(区|县|市|旗)$/, '') : name);

const place = (code: string, name: string, short: (n: string) => string): Place => ({ code, name, short: short(name) });

export const provinces: Place[] = Object.entries(areaList.province_list).map(([code, name]) => place(code, name, provinceShort));
const citiesByProvince = new Map<string, Place[]>();
for (const [code, name] of Object.entries(areaList.city_list)) {
  const key = code.slice(0, 2);
  const list = citiesByProvince.get(key) ?? [];
  list.push(place(code, name, cityShort));
  citiesByProvince.set(key, list);
}
const districtsByCity = new Map<string, Place[]>();
for (const [code, name] of Object.entries(areaList.county_list)) {
  const key = code.slice(0, 4);
  const list = districtsByCity.get(key) ?? [];
  list.push(place(code, name, districtShort));
  districtsByCity.set(key, list);
}

const matches = (candidate: Place, input: string) => candidate.name === input || candidate.short === input;

function findIn(list: Place[] | undefined, input: string | undefined): Place | undefined {
  if (!input || !list) return undefined;
  const trimmed = input.trim();
  return list.find((p) => p.name === trimmed) ?? list.find((p) => matches(p, trimmed));
}

export function findProvince(input: string): Place | undefined {
  return findIn(provinces, input);
}

export function citiesOf(province: Place): Place[] {
  return citiesByProvince.get(province.code.slice(0, 2)) ?? [];
}

export function districtsOf(city: Place): Place[] {
  return districtsByCity.get(city.code.slice(0, 4)) ?? [];
}

/**
 * The canonical form of a region, or the name of the level that does not exist. Short names are
 * accepted (浙江/杭州/拱墅 → 浙江省/杭州市/拱墅区); a city or district must lie in its parent.
 */
export function canonicalRegion(input: Region): { region: Region } | { invalid: 'province' | 'city' | 'district' } {
  const province = findProvince(input.province);
  if (!province) return { invalid: 'province' };
  const region: Region = { province: province.name };
  if (!input.city) {
    if (input.district) return { invalid: 'city' };
    return { region };
  }
  const city = findIn(citiesOf(province), input.city);
  if (!city) return { invalid: 'city' };
  region.city = city.name;
  if (!input.district) return { region };
  const district = findIn(districtsOf(city), input.district);
  if (!district) return { invalid: 'district' };
  region.district = district.name;
  return { region };
}

/** Province and city names, full and short, longest first (for stripping prefixes). */
export const placeNames: readonly string[] = [
  ...new Set(
    [...provinces, ...[...citiesByProvince.values()].flat()]
      .flatMap((p) => [p.name, p.short])
      .filter((name) => name.length >= 2),
  ),
].sort((a, b) => b.length - a.length);

const placeNameSet = new Set(placeNames);
const districtNameSet = new Set([...districtsByCity.values()].flat().flatMap((d) => [d.name, d.short]));

/** Province code of every place name (full or short) that belongs to exactly one province. */
const provinceOfName = new Map<string, string | null>();
function noteProvince(name: string, code: string): void {
  const known = provinceOfName.get(name);
  provinceOfName.set(name, known === undefined || known === code ? code : null); // null: ambiguous
}
for (const p of provinces) [p.name, p.short].forEach((n) => noteProvince(n, p.code.slice(0, 2)));
for (const c of [...citiesByProvince.values()].flat()) [c.name, c.short].forEach((n) => noteProvince(n, c.code.slice(0, 2)));
for (const d of [...districtsByCity.values()].flat()) [d.name, d.short].forEach((n) => noteProvince(n, d.code.slice(0, 2)));

/** The two-digit province code a place name lies in, or null when unknown or ambiguous. */
export function provinceOfPlace(name: string): string | null {
  return provinceOfName.get(name) ?? null;
}

export function isPlaceName(text: string): boolean {
  return placeNameSet.has(text) || districtNameSet.has(text) || text === '中国';
}

/** The province → city → district tree for pickers. */
export function regionTree(): RegionNode[] {
  return provinces.map((p) => ({
    code: p.code,
    name: p.name,
    children: citiesOf(p).map((c) => ({
      code: c.code,
      name: c.name,
      children: districtsOf(c).map((d) => ({ code: d.code, name: d.name })),
    })),
  }));
}
