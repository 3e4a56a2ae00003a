// The dictionaries a new company starts with. Admins edit them; records may only use active values.
import type { DictionaryEntry } from './dictionary.model.ts';

export const dictionaryTypes = ['industry', 'source', 'level', 'scale', 'stage', 'followUpMethod', 'lostReason', 'paymentMethod', 'ticketCategory'] as const;
export type DictionaryType = (typeof dictionaryTypes)[number];

type Seed = [value: string, zh: string, en: string, synonyms?: string[]];

const entries = (seeds: Seed[]): DictionaryEntry[] =>
  seeds.map(([value, zh, en, synonyms], order) => ({ value, label: { zh, en }, active: true, order, ...(synonyms ? { synonyms } : {}) }));

export const defaultDictionaries: Record<DictionaryType, { locked: boolean; entries: DictionaryEntry[] }> = {
  industry: {
    locked: false,
    entries: entries([
      ['互联网', '互联网', 'Internet & software', ['IT', '互联网/IT', '软件', '计算机软件', '信息技术', '计算机', '电子商务', '通信', '网络', 'SaaS', '互联网科技', 'Internet', 'Software']],
      ['金融', '金融', 'Finance', ['金融服务', '投资', '银行', '保险', '证券', '基金', '融资租赁', 'Financial services']],
      ['制造业', '制造业', 'Manufacturing', ['制造', '生产制造', '工业', '机械', '机械制造', '电子制造', '化工', '新材料', '汽车', '汽车制造']],
      ['批发零售', '批发零售', 'Wholesale & retail', ['零售', '连锁零售', '商超', '超市', '贸易', '批发', '商贸', '快消', 'Retail', 'Trade']],
      ['物流', '物流', 'Logistics', ['物流运输', '运输', '供应链', '快递', '仓储', '交通运输']],
      ['教育', '教育', 'Education', ['教育行业', '教育培训', '培训', '学校']],
      ['医疗健康', '医疗健康', 'Healthcare', ['医疗', '医疗器械', '医药', '生物医药', '健康', '医院', '大健康']],
      ['房地产', '房地产', 'Real estate', ['地产', '物业', '置业', '物业管理', '房产']],
      ['建筑', '建筑', 'Construction', ['建筑工程', '建材', '装修', '装饰']],
      ['能源', '能源', 'Energy', ['电力', '新能源', '石油', '化石能源']],
      ['餐饮', '餐饮', 'Food service', ['餐饮服务', '食品饮料', '食品', '酒店餐饮', '餐饮管理']],
      ['租赁和商务服务', '租赁和商务服务', 'Leasing & business services', ['租赁', '商务服务', '咨询', '企业服务', '人力资源']],
      ['文化传媒', '文化传媒', 'Media & culture', ['传媒', '广告', '媒体', '文化', '影视']],
      ['农业', '农业', 'Agriculture'],
      ['政府及公共事业', '政府及公共事业', 'Government & utilities'],
      ['其他', '其他', 'Other'],
    ]),
  },
  source: {
    locked: false,
    entries: entries([
      ['转介绍', '转介绍', 'Referral', ['客户推荐', '老客户介绍', '推荐', '朋友介绍', '介绍', 'Referral']],
      ['官网', '官网', 'Website', ['网站', '官方网站', '在线咨询']],
      ['公众号', '公众号', 'WeChat official account', ['微信公众号', '微信', '服务号']],
      ['展会', '展会', 'Trade show', ['行业展会', '会展', '展销会', '博览会', '会议营销']],
      ['电话营销', '电话营销', 'Telemarketing', ['电销', '电话', '陌电', '外呼']],
      ['地推', '地推', 'Field promotion', ['陌拜', '扫街', '上门拜访', '陌生拜访']],
      ['广告投放', '广告投放', 'Advertising', ['百度推广', '线上推广', '搜索推广', '信息流', 'SEM', '抖音', '网络推广']],
      ['合作伙伴', '合作伙伴', 'Partner'],
      ['老客户', '老客户', 'Existing customer'],
      ['其他', '其他', 'Other'],
    ]),
  },
  level: {
    locked: false,
    entries: entries([
      ['A', 'A（重点客户）', 'A (key account)', ['A类', 'A级', '重点客户', '重要客户', 'VIP']],
      ['B', 'B（普通客户）', 'B (regular)', ['B类', 'B级', '普通客户']],
      ['C', 'C（一般客户）', 'C (minor)', ['C类', 'C级', '一般客户', '小客户']],
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
