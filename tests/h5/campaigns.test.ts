import { describe, expect, it } from 'vitest';
import { campaignFunnel, campaignTypeKeys, campaignTypeList, formatPercent } from '../../h5/src/ui/campaigns.ts';
import en from '../../h5/src/i18n/en.ts';
import zhCN from '../../h5/src/i18n/zh-CN.ts';

describe('a campaign’s funnel', () => {
  it('runs invited → registered → attended → leads → opportunities → won, each a share of the step before', () => {
    expect(campaignFunnel({ invited: 40, registered: 30, attended: 20, leads: 8, opportunities: 3, won: 1 })).toEqual([
      { key: 'invited', n: 40, rate: null },
      { key: 'registered', n: 30, rate: 75 },
      { key: 'attended', n: 20, rate: 66.7 },
      { key: 'leads', n: 8, rate: 40 },
      { key: 'opportunities', n: 3, rate: 37.5 },
      { key: 'won', n: 1, rate: 33.3 },
    ]);
  });

  it('gives no share after an empty step', () => {
    expect(campaignFunnel({ invited: 2, registered: 2, attended: 2, leads: 0, opportunities: 0, won: 0 }).map((r) => r.rate)).toEqual([null, 100, 100, 0, null, null]);
  });
});

describe('percentages', () => {
  it('show at most one decimal, and nothing without a value', () => {
    expect(formatPercent(12.5)).toBe('12.5%');
    expect(formatPercent(-100)).toBe('-100%');
    expect(formatPercent(250)).toBe('250%');
    expect(formatPercent(null)).toBeNull();
  });
});

describe('campaign types', () => {
  it('have a message in both languages for every type the server knows', () => {
    expect(campaignTypeList).toEqual(['展会', '线上推广', '电话营销', '邮件', '沙龙', '其他']);
    for (const type of campaignTypeList) {
      const key = campaignTypeKeys[type] as keyof typeof zhCN.campaigns.types;
      expect(zhCN.campaigns.types[key]).toBe(type);
      expect(en.campaigns.types[key]).toBeTruthy();
    }
  });
});
