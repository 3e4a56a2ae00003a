import { describe, expect, it } from 'vitest';
import { dayOf, dayParts, fenToYuan, formatDate, formatFen, yuanToFen } from '../../h5/src/ui/format.ts';

describe('money on the contract pages', () => {
  it.each([
    [15_000_000, '¥150,000.00'],
    [100_030, '¥1,000.30'],
    [5, '¥0.05'],
    [0, '¥0.00'],
    [-5_000_000, '-¥50,000.00'],
  ])('%i fen shows as %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });

  it('fills an amount field in yuan with two decimals', () => {
    expect(fenToYuan(15_000_000)).toBe('150000.00');
    expect(fenToYuan(100_030)).toBe('1000.30');
  });

  it.each([
    ['150000', 15_000_000],
    ['150000.00', 15_000_000],
    ['150,000.5', 15_000_050],
    ['¥1,000.30', 100_030],
    ['１５００００', 15_000_000],
    ['15万', 15_000_000],
    ['1.5亿', 15_000_000_000],
    ['0.1', 10],
    ['0.2', 20],
  ])('reads %s as %i fen, without float error', (text, fen) => {
    expect(yuanToFen(text)).toBe(fen);
  });

  it.each(['', 'abc', '-5', '12.345', '1.2.3'])('refuses %j', (text) => {
    expect(yuanToFen(text)).toBeNull();
  });
});

describe('days for the date pickers', () => {
  it('splits a day for the picker and joins it back', () => {
    expect(dayParts('2026-11-24')).toEqual(['2026', '11', '24']);
    expect(dayOf(['2026', '11', '24'])).toBe('2026-11-24');
    expect(dayOf(dayParts(''))).toBe(formatDate(new Date()));
  });
});
