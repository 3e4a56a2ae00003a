// 营销活动 as the pages show them: the type's message key, the funnel of a campaign's results with
// each step's share of the one before, and ROI in percent.
import type { CampaignResults, CampaignType } from '../api/types.ts';

/** The server's type names are Chinese words; the messages are keyed in ASCII. */
export const campaignTypeKeys: Record<CampaignType, string> = {
  展会: 'expo',
  线上推广: 'online',
  电话营销: 'phone',
  邮件: 'email',
  沙龙: 'salon',
  其他: 'other',
};

export const campaignTypeList = Object.keys(campaignTypeKeys) as CampaignType[];

export const funnelSteps = ['invited', 'registered', 'attended', 'leads', 'opportunities', 'won'] as const;
export type FunnelStep = (typeof funnelSteps)[number];

export interface FunnelRow {
  key: FunnelStep;
  n: number;
  /** percent of the step before, one decimal; null for the first step or after an empty one */
  rate: number | null;
}

/** invited → registered → attended → leads → opportunities → won, each with its share of the one before. */
export function campaignFunnel(results: Pick<CampaignResults, FunnelStep>): FunnelRow[] {
  return funnelSteps.map((key, i) => {
    const before = i > 0 ? results[funnelSteps[i - 1]!] : 0;
    return { key, n: results[key], rate: i > 0 && before > 0 ? Math.round((results[key] / before) * 1000) / 10 : null };
  });
}

/** 12.5% / -100% from the server's percent, or null when the campaign had no cost. */
export function formatPercent(value: number | null): string | null {
  if (value === null || !Number.isFinite(value)) return null;
  return `${Number(value.toFixed(1))}%`;
}
