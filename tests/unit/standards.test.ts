import { describe, expect, it } from 'vitest';
import {
  canonicalRegion,
  companyIdentity,
  companyNameKey,
  sameCompany,
  displayName,
  normaliseEmail,
  normalisePhone,
  parseAmountFen,
  parseDate,
  personNameKey,
  pinyinKeys,
  searchFilter,
  searchTokens,
} from '../../server/src/modules/standards/index.ts';

describe('phones', () => {
  it.each([
    ['+86 138-0013-8000', '13800138000'],
    ['86 13800138000', '13800138000'],
    ['8613800138000', '13800138000'],
    ['0086 138 0013 8000', '13800138000'],
    ['(+86)138 0013 8000', '13800138000'],
    ['１３８００１３８０００', '13800138000'],
    [' 138 0013 8000 ', '13800138000'],
    ['021-54954215', '021-54954215'],
    ['02154954215', '021-54954215'],
    ['(021) 5495 4215', '021-54954215'],
    ['+86 21 5495 4215', '021-54954215'],
    ['0512-78995387', '0512-78995387'],
    ['010-71818673', '010-71818673'],
    ['021-34190383 转 801', '021-34190383'],
    ['400-820-8820', '4008208820'],
    ['+852 9123 4567', '+85291234567'],
  ])('%s → %s', (input, stored) => {
    expect(normalisePhone(input)?.value).toBe(stored);
  });

  it.each(['1380013', '12345678901', 'abc', '138-0013-800a', '', '+86', '000000'])('rejects %j', (input) => {
    expect(normalisePhone(input)).toBeNull();
  });

  it('tells mobiles from landlines', () => {
    expect(normalisePhone('13800138000')?.kind).toBe('mobile');
    expect(normalisePhone('021-54954215')?.kind).toBe('landline');
  });
});

describe('company names', () => {
  it.each([
    ['华为技术有限公司', '华为技术'],
    ['华为技术股份有限公司', '华为技术'],
    ['华为技术有限责任公司', '华为技术'],
    ['华为技术公司', '华为技术'],
    ['深圳华为技术有限公司', '华为技术'],
    ['广东省深圳市华为技术有限公司', '华为技术'],
    ['华为技术（深圳）有限公司', '华为技术'],
    ['华为技术(深圳)有限公司', '华为技术'],
    [' 华为  技术 有限公司 ', '华为技术'],
    ['ＨＵＡＷＥＩ科技有限公司', 'huawei科技'],
  ])('%s → %s', (name, key) => {
    expect(companyNameKey(name)).toBe(key);
  });

  it('keeps names whose place-like start is the name itself', () => {
    expect(companyNameKey('中山大学')).toBe('中山大学');
    expect(companyNameKey('北京')).toBe('北京');
  });

  it('keeps distinct companies apart', () => {
    expect(companyNameKey('华为技术有限公司')).not.toBe(companyNameKey('华为科技有限公司'));
    expect(companyNameKey('领航物流有限公司')).not.toBe(companyNameKey('领航贸易有限公司'));
  });

  it('keeps the place a name gives aside, so one brand in two provinces is two companies', () => {
    const jinan = companyIdentity('济南长青商贸有限公司');
    const wuhan = companyIdentity('武汉长青商贸股份有限公司');
    const bare = companyIdentity('长青商贸有限公司');
    expect(jinan).toEqual({ core: '长青商贸', province: '37' });
    expect(wuhan).toEqual({ core: '长青商贸', province: '42' });
    expect(sameCompany(jinan, wuhan)).toBe(false);
    expect(sameCompany(jinan, bare)).toBe(true);
    expect(sameCompany(companyIdentity('湖北中科融资租赁股份有限公司'), companyIdentity('中科融资租赁(武汉)股份有限公司'))).toBe(true);
  });

  it('keeps bracketed words that are not places', () => {
    expect(companyNameKey('联想(集团)有限公司')).toBe('联想集团');
  });

  it('shows names folded but as typed', () => {
    expect(displayName('  华为技术(深圳)有限公司 ')).toBe('华为技术（深圳）有限公司');
    expect(personNameKey('王思磊（个人）')).toBe('王思磊');
  });
});

describe('pinyin and search', () => {
  it('gives full pinyin and initials', () => {
    expect(pinyinKeys('华为科技')).toEqual({ full: 'huaweikeji', initials: 'hwkj' });
  });

  it('finds by name substring, pinyin prefix, phone and last four digits', () => {
    const tokens = new Set(searchTokens(['北京华为科技有限公司', '华为科技'], [normalisePhone('13800138000')!]));
    const matches = (query: string) => {
      const filter = searchFilter(query)!;
      const alternatives = ('$or' in filter ? filter.$or : [filter]) as Record<string, unknown>[];
      return alternatives.some((alternative) => {
        const condition = alternative.searchTokens;
        if (typeof condition === 'string') return tokens.has(condition);
        const c = condition as { $all?: string[]; $regex?: string };
        if (c.$all) return c.$all.every((t) => tokens.has(t));
        return [...tokens].some((t) => new RegExp(c.$regex!).test(t));
      });
    };
    expect(matches('华为')).toBe(true);
    expect(matches('为科')).toBe(true);
    expect(matches('hwkj')).toBe(true);
    expect(matches('huawei')).toBe(true);
    expect(matches('8000')).toBe(true);
    expect(matches('+86 138-0013-8000')).toBe(true);
    expect(matches('8613800138000')).toBe(true);
    // phones are stored encrypted: found whole or by the last four digits, never by a prefix
    expect(matches('1380013')).toBe(false);
    expect([...tokens].some((t) => t.includes('13800138000'))).toBe(false);
    expect(matches('阿里')).toBe(false);
    expect(matches('albb')).toBe(false);
    expect(matches('9999')).toBe(false);
  });
});

describe('dates, amounts, emails, regions', () => {
  it.each(['2023-10-15', '2023/10/15', '2023.10.15', '2023年10月15日', '20231015', '45214'])('%s is 2023-10-15', (input) => {
    expect(parseDate(input)?.toISOString().slice(0, 10)).toBe('2023-10-15');
  });

  it.each(['2023-02-30', '15/10/2023', 'yesterday', '2023-13-01'])('rejects the date %s', (input) => {
    expect(parseDate(input)).toBeNull();
  });

  it.each([
    ['¥12,000.00', 1_200_000],
    ['12000元', 1_200_000],
    ['1.2万', 1_200_000],
    ['37.8万', 37_800_000],
    ['0.1', 10],
    ['3亿', 30_000_000_000],
  ])('%s is %d fen', (input, fen) => {
    expect(parseAmountFen(input)).toBe(fen);
  });

  it('rejects negative and non-numeric amounts', () => {
    expect(parseAmountFen('-5')).toBeNull();
    expect(parseAmountFen('abc')).toBeNull();
  });

  it('lowercases and checks emails', () => {
    expect(normaliseEmail(' Li.Na@Example.COM ')).toBe('li.na@example.com');
    expect(normaliseEmail('li.na@')).toBeNull();
  });

  it('validates regions from the division data, accepting short names', () => {
    expect(canonicalRegion({ province: '浙江', city: '杭州', district: '拱墅区' })).toEqual({
      region: { province: '浙江省', city: '杭州市', district: '拱墅区' },
    });
    expect(canonicalRegion({ province: '北京市', city: '北京市', district: '朝阳区' })).toEqual({
      region: { province: '北京市', city: '北京市', district: '朝阳区' },
    });
    expect(canonicalRegion({ province: '上海市', city: '上海市', district: '天河区' })).toEqual({ invalid: 'district' });
    expect(canonicalRegion({ province: '火星' })).toEqual({ invalid: 'province' });
  });
});
