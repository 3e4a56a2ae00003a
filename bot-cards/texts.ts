import type { Locale } from './types.ts';

const zh = {
  staleTitle: '客户跟进提醒',
  staleDesc: '{n} 位客户已多日未跟进',
  staleLine: '{name} · {days} 天未跟进',
  dueTitle: '今日待跟进',
  dueDesc: '{n} 项跟进今天到期',
  dueLine: '{name} · {when}',
  overdue: '已逾期',
  today: '今天',
  birthdayTitle: '生日提醒',
  birthdayDesc: '{person}（{customer}）{date} 生日',
  reclaimTitle: '公海回收预警',
  reclaimDesc: '{n} 位客户即将被收回公海',
  reclaimLine: '{name} · {days} 天后回收',
  approvalTitle: '合同审批',
  approvalDesc: '{submitter} 提交 · {customer}',
  approvalLine: '合同 {number} · ¥{amount}',
  approve: '同意',
  reject: '驳回',
  resultTitle: '审批结果',
  approved: '合同 {number} 已通过（{by}）',
  rejected: '合同 {number} 被驳回（{by}）',
  digestTitle: '每日简报 {date}',
  digestDesc: '新增客户 {customers} · 跟进 {followUps} · 拜访 {visits}',
  digestLine: '今日待跟进 {due} · 已逾期 {overdue}',
  qualityTitle: '数据质量报告',
  qualityDesc: '待补充 {incomplete} · 疑似重复 {duplicates} 组 · 无效电话 {phones}',
  more: '还有 {n} 位',
  acknowledge: '知道了',
  open: '查看',
};

const en: typeof zh = {
  staleTitle: 'Customers to follow up',
  staleDesc: '{n} customers have had no follow-up for days',
  staleLine: '{name} · idle {days} days',
  dueTitle: 'Follow-ups due today',
  dueDesc: '{n} follow-ups are due today',
  dueLine: '{name} · {when}',
  overdue: 'overdue',
  today: 'today',
  birthdayTitle: 'Birthday',
  birthdayDesc: "{person} ({customer}) has a birthday on {date}",
  reclaimTitle: 'Pool reclaim warning',
  reclaimDesc: '{n} customers will return to the pool soon',
  reclaimLine: '{name} · reclaimed in {days} days',
  approvalTitle: 'Contract approval',
  approvalDesc: 'Submitted by {submitter} · {customer}',
  approvalLine: 'Contract {number} · ¥{amount}',
  approve: 'Approve',
  reject: 'Reject',
  resultTitle: 'Approval result',
  approved: 'Contract {number} approved ({by})',
  rejected: 'Contract {number} rejected ({by})',
  digestTitle: 'Daily digest {date}',
  digestDesc: 'New customers {customers} · follow-ups {followUps} · visits {visits}',
  digestLine: 'Due today {due} · overdue {overdue}',
  qualityTitle: 'Data quality report',
  qualityDesc: 'Incomplete {incomplete} · possible duplicates {duplicates} groups · invalid phones {phones}',
  more: '+{n} more',
  acknowledge: 'Got it',
  open: 'Open',
};

export type TextKey = keyof typeof zh;

export function text(locale: Locale, key: TextKey, params: Record<string, string | number> = {}): string {
  const template = (locale === 'en' ? en : zh)[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
