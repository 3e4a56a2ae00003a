// What goes into an exported cell: formula-safe text (OWASP CSV injection), Shanghai times, regions.
import { describe, expect, it } from 'vitest';
import { businessDate, businessTime, regionText, safeCell, safeText, yuan } from '../../server/src/modules/exports/cells.ts';

describe('formula-safe text', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `'=HYPERLINK("http://evil.example","x")`],
    ['+1 王先生', `'+1 王先生`],
    ['-2', `'-2`],
    ['@SUM(A1:A2)', `'@SUM(A1:A2)`],
    ['\t=1+1', `'\t=1+1`],
    ['\r=1+1', `'\r=1+1`],
  ])('prefixes %j with a quote', (input, output) => {
    expect(safeText(input)).toBe(output);
  });

  it.each(['杭州云帆网络科技有限公司', '0571-88886666', '13800138000', 'a=b', "'quoted", ''])('leaves %j alone', (input) => {
    expect(safeText(input)).toBe(input);
  });

  it('leaves numbers and empty cells as they are', () => {
    expect(safeCell(-2)).toBe(-2);
    expect(safeCell(null)).toBeNull();
    expect(safeCell(undefined)).toBeNull();
  });
});

describe('times and regions as people read them', () => {
  it('shows instants on the Asia/Shanghai clock', () => {
    expect(businessTime(new Date('2026-11-24T11:30:00Z'))).toBe('2026-11-24 19:30');
    expect(businessTime('2026-12-31T16:05:00Z')).toBe('2027-01-01 00:05');
    expect(businessDate(new Date('2026-12-31T16:05:00Z'))).toBe('2027-01-01');
    expect(businessTime(null)).toBeNull();
  });

  it('writes 省/市/区 in one cell', () => {
    expect(regionText({ province: '浙江省', city: '杭州市', district: '拱墅区' })).toBe('浙江省/杭州市/拱墅区');
    expect(regionText({ province: '北京市' })).toBe('北京市');
    expect(regionText(null)).toBeNull();
  });
});

describe('money', () => {
  it('shows fen as yuan', () => {
    expect(yuan(12_345_678)).toBe(123456.78);
    expect(yuan(0)).toBe(0);
    expect(yuan(undefined)).toBeNull();
  });
});
