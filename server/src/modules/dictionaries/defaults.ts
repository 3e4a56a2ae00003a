// The dictionaries a new company starts with. Admins edit them; records may only use active values.
import type { DictionaryEntry } from './dictionary.model.ts';

export const dictionaryTypes = ['industry', 'source', 'level', 'scale', 'stage', 'followUpMethod', 'lostReason', 'paymentMethod', 'ticketCategory'] as const;
export type DictionaryType = (typeof dictionaryTypes)[number];

type Seed = [value: string, zh: string, en: string];

const entries = (seeds: Seed[]): DictionaryEntry[] =>
  seeds.map(([value, zh, en], order) => ({ value, label: { zh, en }, active: true, order }));

export const defaultDictionaries: Record<DictionaryType, { locked: boolean; entries: DictionaryEntry[] }> = {
  industry: {
    locked: false,
    entries: entries([
      ['互联网', '互联网', 'Internet & software'],
      ['金融', '金融', 'Finance'],
      ['制造业', '制造业', 'Manufacturing'],
      ['批发零售', '批发零售', 'Wholesale & retail'],
      ['物流', '物流', 'Logistics'],
      ['教育', '教育', 'Education'],
      ['医疗健康', '医疗健康', 'Healthcare'],
      ['房地产', '房地产', 'Real estate'],
      ['建筑', '建筑', 'Construction'],
      ['能源', '能源', 'Energy'],
      ['餐饮', '餐饮', 'Food service'],
      ['租赁和商务服务', '租赁和商务服务', 'Leasing & business services'],
      ['文化传媒', '文化传媒', 'Media & culture'],
      ['农业', '农业', 'Agriculture'],
      ['政府及公共事业', '政府及公共事业', 'Government & utilities'],
      ['其他', '其他', 'Other'],
    ]),
  },
  source: {
    locked: false,
    entries: entries([
      ['转介绍', '转介绍', 'Referral'],
      ['官网', '官网', 'Website'],
      ['公众号', '公众号', 'WeChat official account'],
      ['展会', '展会', 'Trade show'],
      ['电话营销', '电话营销', 'Telemarketing'],
      ['地推', '地推', 'Field promotion'],
      ['广告投放', '广告投放', 'Advertising'],
      ['合作伙伴', '合作伙伴', 'Partner'],
      ['老客户', '老客户', 'Existing customer'],
      ['其他', '其他', 'Other'],
    ]),
  },
  level: {
    locked: false,
    entries: entries([
      ['A', 'A（重点客户）', 'A (key account)'],
      ['B', 'B（普通客户）', 'B (regular)'],
      ['C', 'C（一般客户）', 'C (minor)'],
    ]),
  },
  scale: {
    locked: false,
    entries: entries([
      ['1-49', '1-49人', '1–49 staff'],
      ['50-199', '50-199人', '50–199 staff'],
      ['200-999', '200-999人', '200–999 staff'],
      ['1000+', '1000人以上', '1000+ staff'],
    ]),
  },
  stage: {
    locked: true,
    entries: entries([
      ['lead', '线索', 'Lead'],
      ['prospect', '意向', 'Prospect'],
      ['customer', '成交', 'Customer'],
      ['lost', '流失', 'Lost'],
    ]),
  },
  followUpMethod: {
    locked: true,
    entries: entries([
      ['call', '电话', 'Call'],
      ['visit', '拜访', 'Visit'],
      ['wechat', '微信', 'WeChat'],
      ['email', '邮件', 'Email'],
      ['meeting', '会议', 'Meeting'],
      ['other', '其他', 'Other'],
    ]),
  },
  ticketCategory: {
    locked: false,
    entries: entries([
      ['安装调试', '安装调试', 'Installation'],
      ['故障报修', '故障报修', 'Fault repair'],
      ['使用咨询', '使用咨询', 'How-to question'],
      ['投诉建议', '投诉建议', 'Complaint'],
      ['退换货', '退换货', 'Return or exchange'],
    ]),
  },
  paymentMethod: {
    locked: false,
    entries: entries([
      ['银行转账', '银行转账', 'Bank transfer'],
      ['承兑汇票', '承兑汇票', 'Bank acceptance bill'],
      ['支付宝', '支付宝', 'Alipay'],
      ['微信支付', '微信支付', 'WeChat Pay'],
      ['现金', '现金', 'Cash'],
      ['其他', '其他', 'Other'],
    ]),
  },
  lostReason: {
    locked: false,
    entries: entries([
      ['价格因素', '价格因素', 'Price'],
      ['选择竞品', '选择竞品', 'Chose a competitor'],
      ['需求取消', '需求取消', 'Need went away'],
      ['预算不足', '预算不足', 'No budget'],
      ['联系不上', '联系不上', 'Unreachable'],
      ['其他', '其他', 'Other'],
    ]),
  },
};
