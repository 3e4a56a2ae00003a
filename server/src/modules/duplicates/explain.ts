// A duplicate match in words a reviewer reads: "同一手机 138****8000", "名称相同".
import { translate, registerMessages, type Locale } from '../../core/i18n.ts';
import { maskEmail, maskPhone } from '../../core/masking.ts';
import type { Reason } from './score.ts';

registerMessages({
  'zh-CN': {
    'duplicate.reason.mobile': '同一手机 {value}',
    'duplicate.reason.landline': '同一座机 {value}',
    'duplicate.reason.email': '同一邮箱 {value}',
    'duplicate.reason.domain': '同一企业邮箱域名 {value}',
    'duplicate.reason.contact': '同一联系人 {value}',
    'duplicate.reason.street': '同一地址 {value}',
    'duplicate.reason.place': '同一城市',
    'duplicate.reason.otherPlace': '不同城市',
    'duplicate.reason.name.exact': '名称相同',
    'duplicate.reason.name.sound': '名称读音相同',
    'duplicate.reason.name.typo': '名称仅差一字',
    'duplicate.reason.name.short': '名称为简称',
  },
  en: {
    'duplicate.reason.mobile': 'same mobile {value}',
    'duplicate.reason.landline': 'same landline {value}',
    'duplicate.reason.email': 'same email {value}',
    'duplicate.reason.domain': 'same company email domain {value}',
    'duplicate.reason.contact': 'same contact {value}',
    'duplicate.reason.street': 'same address {value}',
    'duplicate.reason.place': 'same city',
    'duplicate.reason.otherPlace': 'another city',
    'duplicate.reason.name.exact': 'same name',
    'duplicate.reason.name.sound': 'names sound the same',
    'duplicate.reason.name.typo': 'names one character apart',
    'duplicate.reason.name.short': 'one name is short for the other',
  },
});

// Phones and emails are shown masked in explanations: they may belong to a customer the reader cannot open.
// Reasons found since field encryption carry the masked form already (masking it again keeps it).

export function explainReason(reason: Reason, locale: Locale): string {
  if (reason.kind === 'name') return translate(`duplicate.reason.name.${reason.match}`, locale);
  if (reason.kind === 'place' || reason.kind === 'otherPlace') return translate(`duplicate.reason.${reason.kind}`, locale);
  const value = reason.kind === 'mobile' || reason.kind === 'landline' ? maskPhone(reason.value) : reason.kind === 'email' ? maskEmail(reason.value) : reason.value;
  return translate(`duplicate.reason.${reason.kind}`, locale, { value });
}

export const explain = (reasons: Reason[], locale: Locale) => reasons.map((r) => explainReason(r, locale));

/** Reasons as data with their phones and emails masked, for clients that word them themselves. */
export const maskedReasons = (reasons: Reason[]): Reason[] =>
  reasons.map((r) =>
    r.kind === 'mobile' || r.kind === 'landline' ? { ...r, value: maskPhone(r.value) } : r.kind === 'email' ? { ...r, value: maskEmail(r.value) } : r,
  );
