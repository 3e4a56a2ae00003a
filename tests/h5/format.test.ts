import { describe, expect, it } from 'vitest';
import zhCN from '../../h5/src/i18n/zh-CN.ts';
import en from '../../h5/src/i18n/en.ts';
import { shanghaiDay, shanghaiMonth } from '../../h5/src/ui/calendar.ts';
import { dayOf, dayParts, fenToYuan, formatDate, formatDuration, formatFen, yuanToFen } from '../../h5/src/ui/format.ts';

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

describe('the Shanghai calendar', () => {
  it('names the day and month in Asia/Shanghai whatever the device zone', () => {
    // 2026-11-30 17:00 UTC is already 1 December in Shanghai
    expect(shanghaiDay(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12-01');
    expect(shanghaiMonth(new Date('2026-11-30T17:00:00Z'))).toBe('2026-12');
    expect(shanghaiMonth(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11');
  });
});

describe('time spent in a stage', () => {
  /** the app's messages filled in as vue-i18n does, for `{name}` placeholders */
  const translate = (messages: typeof zhCN) => (key: string, values: Record<string, unknown>) => {
    const [group, name] = key.split('.') as [keyof typeof zhCN, string];
    const message = (messages[group] as Record<string, string>)[name]!;
    return message.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k]));
  };
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;

  it.each([
    [2 * day + 5 * hour + 7 * minute, '2天5小时', '2d 5h'],
    [3 * hour + 20 * minute, '3小时20分钟', '3h 20m'],
    [2 * day + 30 * minute, '2天', '2d'],
    [5 * minute + 30_000, '5分钟', '5m'],
    [20_000, '不到 1 分钟', 'under a minute'],
    [-5, '不到 1 分钟', 'under a minute'],
  ])('%i ms reads %s (%s)', (ms, zh, english) => {
    expect(formatDuration(ms, translate(zhCN))).toBe(zh);
    expect(formatDuration(ms, translate(en))).toBe(english);
  });
});
