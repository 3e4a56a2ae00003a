// Duplicate detection's hard cases, on rows written for them (not the sample's): traditional
// characters, homophone typos, short names, rows that only share a contact and a street, and the
// same 字号 in another city with other phones.
import { describe, expect, it } from 'vitest';
import { featuresOf, type DedupeInput } from '../../server/src/modules/duplicates/features.ts';
import { groupsOf, matchingPairs } from '../../server/src/modules/duplicates/grouping.ts';
import { scorePair } from '../../server/src/modules/duplicates/score.ts';
import { explain } from '../../server/src/modules/duplicates/explain.ts';
import { parseAddress } from '../../server/src/modules/standards/index.ts';

const company = (name: string, more: Partial<DedupeInput> = {}): DedupeInput => ({ type: 'company', name, ...more });
const score = (a: DedupeInput, b: DedupeInput) => scorePair(featuresOf(a), featuresOf(b));

describe('duplicate detection', () => {
  it('finds the same company written in traditional characters', () => {
    const result = score(company('杭州恒通网络科技有限公司', { address: '杭州市拱墅区解放路999号' }), company('恒通網絡科技有限公司', { address: '浙江 杭州 拱墅区 解放路999號' }));
    expect(result.match).toBe(true);
    expect(result.reasons).toContainEqual({ kind: 'name', match: 'exact' });
  });

  it('finds homophone typos and short names in the same city', () => {
    expect(score(company('衡通网络科技有限公司', { address: '杭州市西湖区文三路1号' }), company('恒通网络科技有限公司', { address: '杭州市西湖区文三路1号' })).match).toBe(true);
    const short = score(
      company('恒通科技', { address: '杭州市西湖区文三路1号', contacts: ['王建国'] }),
      company('杭州恒通网络科技股份有限公司', { address: '浙江省杭州市西湖区文三路1号', contacts: ['王建国'] }),
    );
    expect(short.match).toBe(true);
    expect(short.reasons).toContainEqual({ kind: 'name', match: 'short' });
  });

  it('lets contact and street speak where the name cannot', () => {
    const result = score(company('华东仪器', { contacts: ['周明'], address: '上海市徐汇区漕溪北路88号' }), company('上海华仪设备有限公司', { contacts: ['周明'], address: '上海 上海 徐汇区 漕溪北路88号' }));
    expect(result.match).toBe(true);
  });

  it('keeps the same brand in another city with other phones apart', () => {
    const result = score(
      company('长青商贸有限公司', { phones: ['13800138000'], address: '济南市历下区泉城路1号' }),
      company('长青商贸有限公司', { phones: ['13900139000'], address: '武汉市江汉区解放大道2号' }),
    );
    expect(result.match).toBe(false);
    expect(result.reasons).toContainEqual({ kind: 'otherPlace' });
    // a name that states its province disagrees with the other's place
    expect(score(company('湖北长青商贸有限公司'), company('长青商贸有限公司', { address: '福建省厦门市思明区湖滨南路3号' })).match).toBe(false);
  });

  it('keeps different companies of one brand and one city apart', () => {
    expect(score(company('泰和信息技术有限公司', { address: '北京市朝阳区建国路1号' }), company('泰和餐饮管理有限公司', { address: '北京市朝阳区建国路9号' })).match).toBe(false);
    expect(score(company('天成信息技术有限公司', { address: '厦门市思明区' }), company('泰和信息技术有限公司', { address: '厦门市思明区' })).match).toBe(false);
  });

  it('treats a shared mobile or email as strong evidence, people by more than their name', () => {
    expect(score(company('甲', { phones: ['+86 138-0013-8000'] }), company('乙', { phones: ['13800138000'] })).match).toBe(true);
    const people = score({ type: 'person', name: '王伟', address: '北京市海淀区' }, { type: 'person', name: '王伟（个人）', address: '北京市海淀区' });
    expect(people.match).toBe(false);
  });

  it('explains a match without showing whole phone numbers', () => {
    const result = score(company('甲公司', { phones: ['13800138000'] }), company('乙公司', { phones: ['13800138000'] }));
    expect(explain(result.reasons, 'zh-CN')).toEqual(['同一手机 138****8000']);
  });

  it('groups rows transitively', () => {
    const rows = [
      company('恒通网络科技有限公司', { phones: ['13800138000'] }),
      company('其他公司', { phones: ['13900139000'] }),
      company('杭州恒通网络科技有限公司', { phones: ['13800138000'], emails: ['a@hengtong.cn'] }),
      company('恒通网络', { emails: ['b@hengtong.cn'], address: '杭州市' }),
    ].map(featuresOf);
    expect(groupsOf(rows.length, matchingPairs(rows))).toEqual([[0, 2, 3]]);
  });
});

describe('addresses', () => {
  it.each([
    ['浙江 杭州 拱墅区 解放路999号', { province: '浙江省', city: '杭州市', district: '拱墅区' }, '解放路999号'],
    ['朝阳区建国路88号', { province: '北京市', city: '北京市', district: '朝阳区' }, '建国路88号'],
    ['江苏省苏州市吴中区长江路334号', { province: '江苏省', city: '苏州市', district: '吴中区' }, '长江路334号'],
    ['上海 上海 闵行区 中关村大街717号', { province: '上海市', city: '上海市', district: '闵行区' }, '中关村大街717号'],
  ])('%s', (input, region, street) => {
    const parsed = parseAddress(input);
    expect(parsed.region).toEqual(region);
    expect(parsed.street).toBe(street);
  });

  it('does not read a street as a city', () => {
    expect(parseAddress('中山路12号').region).toBeNull();
    expect(parseAddress('火星市').region).toBeNull();
  });
});
