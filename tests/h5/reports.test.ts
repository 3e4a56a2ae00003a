import { describe, expect, it } from 'vitest';
import { formatFenShort } from '../../h5/src/ui/format.ts';
import { formatMeasure, granularityOf, periodOf, rangeOf } from '../../h5/src/ui/reports.ts';
import zhCN from '../../h5/src/i18n/zh-CN.ts';
import en from '../../h5/src/i18n/en.ts';

describe('report money', () => {
  it.each([
    [0, '¥0'],
    [800_000, '¥8,000'],
    [1_000_000, '¥1万'],
    [12_340_000, '¥12.3万'],
    [13_000_000, '¥13万'],
    [250_000_000, '¥250万'],
    [9_999_999_900, '¥1亿'],
    [12_500_000_000, '¥1.25亿'],
    [-12_340_000, '-¥12.3万'],
  ])('%i fen shows as %s', (fen, text) => {
    expect(formatFenShort(fen)).toBe(text);
  });

  it('shows counts as counts and money in 万', () => {
    expect(formatMeasure('newCustomers', 7)).toBe('7');
    expect(formatMeasure('signedFen', 13_000_000)).toBe('¥13万');
  });
});

describe('report periods', () => {
  it('names the period the picker stands for', () => {
    expect(periodOf('month', '2026-11-24')).toBe('2026-11');
    expect(periodOf('quarter', '2026-11-24')).toBe('2026-Q4');
    expect(periodOf('quarter', '2026-01-05')).toBe('2026-Q1');
    expect(periodOf('year', '2026-11-24')).toBe('2026');
  });

  it('covers the calendar days of a period', () => {
    expect(rangeOf('2026-11')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(rangeOf('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(rangeOf('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(rangeOf('2026-Q1')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(rangeOf('2026')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('steps a trend by day, week or month', () => {
    expect([granularityOf('month'), granularityOf('quarter'), granularityOf('year')]).toEqual(['day', 'week', 'month']);
  });

  it('has every report word in both languages', () => {
    const keys = (o: object, prefix = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]));
    expect(keys(en.reports).sort()).toEqual(keys(zhCN.reports).sort());
  });
});
