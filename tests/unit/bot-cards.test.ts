import { describe, expect, it } from 'vitest';
import { cardView, parseWeComKey, renderDingTalk, renderWeCom, weComLimits, type Card, type Locale } from '../../bot-cards/index.ts';

const link = (path: string) => `https://crm.example.cn/#${path}`;
const customers = Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, name: `客户${i}号科技有限公司有一个非常长的名字用来测试截断`, idleDays: 3 + i }));

const samples: Card[] = [
  { id: 'stale-u1-2026-11-24', data: { kind: 'staleCustomers', customers, total: 12 } },
  { id: 'due-u1-2026-11-24', data: { kind: 'followUpDue', items: [{ id: 'c1', name: '华为科技', dueAt: '2026-11-24T01:00:00Z', overdue: false }, { id: 'c2', name: '阿里巴巴', dueAt: '2026-11-20T01:00:00Z', overdue: true }], total: 2 } },
  { id: 'bday-c1-2026', data: { kind: 'birthday', people: [{ customer: { id: 'c1', name: '华为科技' }, person: '张伟', date: '11月26日', greeting: '张总，生日快乐！' }], total: 1 } },
  { id: 'reclaim-u1-2026-11-24', data: { kind: 'poolReclaimWarning', customers: customers.slice(0, 2).map((c) => ({ ...c, daysLeft: 2 })), total: 2 } },
  { id: 'approval-a1', data: { kind: 'contractApproval', approvalId: 'a1', contractId: 'k1', number: 'HT-2026-0001', customer: { id: 'c1', name: '华为科技' }, amountFen: 12_345_600, submitter: '李娜', title: '年度设备采购', step: '经理审批' } },
  { id: 'result-a1', data: { kind: 'approvalResult', contractId: 'k1', number: 'HT-2026-0001', customer: { id: 'c1', name: '华为科技' }, decision: 'approved', decidedBy: '张伟' } },
  {
    id: 'paymentDue-u1-2026-11-24',
    data: {
      kind: 'paymentDue',
      items: [
        { contractId: 'k1', number: 'HT202611200001', customer: { id: 'c1', name: '华为科技' }, dueOn: '2026-11-24', outstandingFen: 5_000_000, daysOverdue: 0 },
        { contractId: 'k2', number: 'HT202610010002', customer: { id: 'c2', name: '阿里巴巴' }, dueOn: '2026-11-17', outstandingFen: 123_45, daysOverdue: 7 },
      ],
      total: 2,
    },
  },
  { id: 'opportunityIdle-u1-2026-11-24', data: { kind: 'opportunityIdle', opportunities: [{ id: 'o1', title: '智慧校园一期', customer: { id: 'c1', name: '华为科技' }, idleDays: 4 }], total: 1 } },
  { id: 'ticket-opened-t1-0', data: { kind: 'ticketUpdate', event: 'opened', ticketId: 't1', number: 'GD202611240001', customer: { id: 'c1', name: '华为科技' }, category: '故障报修', priority: 'urgent', dueAt: '2026-11-24T06:00:00.000Z' } },
  { id: 'campaign-k1-u1-1', data: { kind: 'campaignInvite', campaignId: 'k1', name: '2026 上海工业展', startOn: '2026-11-20', customers: [{ id: 'c1', name: '华为科技' }], total: 1 } },
  { id: 'lead-l1', data: { kind: 'newLead', leadId: 'l1', customer: { id: 'c1', name: '华为科技' }, contact: '王经理', source: 'form', known: false } },
  { id: 'poolVisit-c1-2026-11-24', data: { kind: 'poolVisit', customer: { id: 'c1', name: '华为科技' }, day: '2026-11-24' } },
  { id: 'contractEnding-u1-2026-11-24', data: { kind: 'contractEnding', contracts: [{ id: 'k1', number: 'HT202611200001', customer: { id: 'c1', name: '华为科技' }, endOn: '2026-12-24', daysLeft: 30 }], total: 1 } },
  { id: 'digest-u1-2026-11-24', data: { kind: 'dailyDigest', date: '2026-11-24', newCustomers: 3, followUps: 12, visits: 4, dueToday: 5, overdue: 2 } },
  { id: 'quality-2026-11', data: { kind: 'dataQuality', incomplete: 23, duplicateCustomers: 4, invalidPhones: 7 } },
  { id: 'bot-lookup-1', data: { kind: 'customerLookup', query: '华为', customers: [{ id: 'c1', name: '华为科技', stage: 'prospect', owner: '李娜' }], total: 1 } },
  { id: 'bot-help-1', data: { kind: 'botHelp' } },
];
const locales: Locale[] = ['zh-CN', 'en'];
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe.each(locales)('bot cards in %s', (locale) => {
  it.each(samples.map((card) => [card.data.kind, card] as const))('%s renders the same as before', (_, card) => {
    expect({ view: cardView(card, locale), wecom: renderWeCom(card, { locale, link }), dingtalk: renderDingTalk(card, { locale, link }) }).toMatchSnapshot();
  });

  it.each(samples.map((card) => [card.data.kind, card] as const))('%s fits WeCom template_card limits', (_, card) => {
    const payload = renderWeCom(card, { locale, link });
    expect([...payload.main_title.title].length).toBeLessThanOrEqual(weComLimits.titleChars);
    expect([...payload.main_title.desc].length).toBeLessThanOrEqual(weComLimits.descChars);
    expect(payload.card_action.url.startsWith('https://crm.example.cn/#/')).toBe(true);
    if (payload.card_type === 'button_interaction') {
      expect(payload.task_id).toMatch(/^[0-9A-Za-z_\-@]{1,128}$/);
      expect(bytes(payload.task_id!)).toBeLessThanOrEqual(weComLimits.taskIdBytes);
      expect(payload.button_list!.length).toBeGreaterThan(0);
      expect(payload.button_list!.length).toBeLessThanOrEqual(weComLimits.buttons);
      const keys = payload.button_list!.flatMap((b) => ('key' in b ? [b.key] : []));
      expect(new Set(keys).size).toBe(keys.length);
      for (const button of payload.button_list!) if (button.type === 1) expect(button.url.startsWith('https://crm.example.cn/#/')).toBe(true);
      for (const key of keys) {
        expect(bytes(key)).toBeLessThanOrEqual(weComLimits.keyBytes);
        expect(parseWeComKey(key)?.cardId).toBe(card.id);
      }
      expect(payload.horizontal_content_list?.length ?? 0).toBeLessThanOrEqual(weComLimits.horizontalItems);
    } else {
      expect(payload.button_list).toBeUndefined();
      expect(payload.jump_list?.length ?? 0).toBeLessThanOrEqual(weComLimits.jumpItems);
    }
  });

  it.each(samples.map((card) => [card.data.kind, card] as const))('%s gives DingTalk only string parameters', (_, card) => {
    const { outTrackId, cardParamMap } = renderDingTalk(card, { locale, link });
    expect(outTrackId).toBe(card.id);
    for (const value of Object.values(cardParamMap)) expect(typeof value).toBe('string');
  });
});

describe('batching and links', () => {
  it('lists five customers and counts the rest, each line opening its customer', () => {
    const view = cardView(samples[0]!, 'zh-CN');
    expect(view.lines).toHaveLength(6);
    expect(view.lines[5]!.text).toBe('还有 7 位');
    expect(view.lines[0]!.path).toBe('/customers/c0');
  });

  it('refuses a card id WeCom would refuse as task_id', () => {
    expect(() => renderWeCom({ ...samples[0]!, id: '中文 id' }, { locale: 'zh-CN', link })).toThrow(/task_id/);
  });
});
