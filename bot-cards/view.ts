// Card data → the platform-neutral view: title, description, up to five lines, buttons, links.
import { text, type TextKey } from './texts.ts';
import type { Card, CardView, Locale } from './types.ts';

/** Cards are batched: at most this many lines, then "+N more". */
export const maxLines = 5;

function yuan(fen: number): string {
  return (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

function listed<T>(items: T[], total: number, line: (item: T) => CardView['lines'][number], locale: Locale): CardView['lines'] {
  const lines = items.slice(0, maxLines).map(line);
  const rest = Math.max(total, items.length) - lines.length;
  if (rest > 0) lines.push({ text: text(locale, 'more', { n: rest }) });
  return lines;
}

export function cardView(card: Card, locale: Locale): CardView {
  const data = card.data;
  const ack = [{ action: 'acknowledge', text: text(locale, 'acknowledge'), style: 'default' as const }];
  switch (data.kind) {
    case 'staleCustomers': {
      const only = data.customers.length === 1 ? data.customers[0]! : null;
      return {
        title: text(locale, 'staleTitle'),
        description: text(locale, 'staleDesc', { n: Math.max(data.total, data.customers.length) }),
        lines: listed(data.customers, data.total, (c) => ({ text: text(locale, 'staleLine', { name: c.name, days: c.idleDays }), path: `/customers/${c.id}` }), locale),
        // "+N more" opens the list filtered to customers idle at least as long as the least idle here
        path: only ? `/customers/${only.id}` : `/customers?idleDays=${Math.min(...data.customers.map((c) => c.idleDays))}`,
        buttons: [
          ...(only
            ? [
                { action: 'open', text: text(locale, 'logFollowUp'), style: 'primary' as const, path: `/customers/${only.id}/follow-up` },
                { action: 'open', text: text(locale, 'release'), style: 'danger' as const, path: `/customers/${only.id}?release=1` },
              ]
            : []),
          { action: 'snooze', text: text(locale, 'snooze'), style: 'default' },
        ],
      };
    }
    case 'followUpDue':
      return {
        title: text(locale, 'dueTitle'),
        description: text(locale, 'dueDesc', { n: Math.max(data.total, data.items.length) }),
        lines: listed(
          data.items,
          data.total,
          (i) => ({ text: text(locale, 'dueLine', { name: i.name, when: text(locale, i.overdue ? 'overdue' : 'today') }), path: `/customers/${i.id}` }),
          locale,
        ),
        path: '/',
        buttons: ack,
      };
    case 'birthday':
      return {
        title: text(locale, 'birthdayTitle'),
        description: text(locale, 'birthdayDesc', { n: Math.max(data.total, data.people.length) }),
        lines: listed(
          data.people,
          data.total,
          (p) => ({ text: text(locale, 'birthdayLine', { person: p.person, customer: p.customer.name, date: p.date, greeting: p.greeting }), path: `/customers/${p.customer.id}` }),
          locale,
        ),
        path: data.people.length === 1 ? `/customers/${data.people[0]!.customer.id}` : '/customers',
        buttons: ack,
      };
    case 'poolReclaimWarning':
      return {
        title: text(locale, 'reclaimTitle'),
        description: text(locale, 'reclaimDesc', { n: Math.max(data.total, data.customers.length) }),
        lines: listed(data.customers, data.total, (c) => ({ text: text(locale, 'reclaimLine', { name: c.name, days: c.daysLeft }), path: `/customers/${c.id}` }), locale),
        path: data.customers.length === 1 ? `/customers/${data.customers[0]!.id}` : '/customers',
        buttons: ack,
      };
    case 'contractApproval':
      return {
        title: text(locale, data.amendment ? 'amendTitle' : 'approvalTitle'),
        description: text(locale, 'approvalDesc', { submitter: data.submitter, customer: data.customer.name }),
        lines: [
          { text: text(locale, 'approvalLine', { number: data.number, amount: yuan(data.amountFen) }), path: `/contracts/${data.contractId}` },
          ...(data.title ? [{ text: data.title }] : []),
          ...(data.step ? [{ text: text(locale, 'approvalStep', { step: data.step }) }] : []),
        ],
        path: `/approvals/${data.approvalId}`,
        buttons: [
          { action: 'approve', text: text(locale, 'approve'), style: 'primary' },
          // a rejection needs a comment, which a chat card cannot collect: it opens the app
          { action: 'open', text: text(locale, 'reject'), style: 'danger', path: `/approvals/${data.approvalId}?decide=reject` },
        ],
      };
    case 'approvalResult':
      return {
        title: text(locale, 'resultTitle'),
        description: text(locale, data.decision === 'approved' ? 'approved' : 'rejected', { number: data.number, by: data.decidedBy }),
        lines: data.comment ? [{ text: data.comment }] : [],
        path: `/contracts/${data.contractId}`,
        buttons: [],
      };
    case 'paymentDue':
      return {
        title: text(locale, 'paymentTitle'),
        description: text(locale, 'paymentDesc', { n: Math.max(data.total, data.items.length) }),
        lines: listed(
          data.items,
          data.total,
          (i) => ({
            text: text(locale, 'paymentLine', {
              customer: i.customer.name,
              number: i.number,
              amount: yuan(i.outstandingFen),
              when: i.daysOverdue > 0 ? text(locale, 'overdueDays', { days: i.daysOverdue }) : text(locale, 'dueToday'),
            }),
            path: `/contracts/${i.contractId}`,
          }),
          locale,
        ),
        path: data.items.length === 1 ? `/contracts/${data.items[0]!.contractId}` : '/contracts',
        buttons: ack,
      };
    case 'opportunityIdle':
      return {
        title: text(locale, 'oppIdleTitle'),
        description: text(locale, 'oppIdleDesc', { n: Math.max(data.total, data.opportunities.length) }),
        lines: listed(
          data.opportunities,
          data.total,
          (o) => ({ text: text(locale, 'oppIdleLine', { title: o.title, customer: o.customer.name, days: o.idleDays }), path: `/opportunities/${o.id}` }),
          locale,
        ),
        path: data.opportunities.length === 1 ? `/opportunities/${data.opportunities[0]!.id}` : '/opportunities',
        buttons: ack,
      };
    case 'ticketUpdate':
      return {
        title: text(locale, data.event === 'opened' ? 'ticketOpened' : data.event === 'resolved' ? 'ticketResolved' : 'ticketSla'),
        description: text(locale, 'ticketDesc', { customer: data.customer.name, number: data.number }),
        lines: [{ text: text(locale, 'ticketLine', { category: data.category, priority: text(locale, `priority_${data.priority}` as TextKey) }), path: `/tickets/${data.ticketId}` }],
        path: `/tickets/${data.ticketId}`,
        buttons: ack,
      };
    case 'newLead':
      return {
        title: text(locale, data.known ? 'leadKnownTitle' : 'leadTitle'),
        description: text(locale, data.known ? 'leadKnownDesc' : 'leadDesc', { name: data.customer.name, contact: data.contact, source: text(locale, `leadSource_${data.source}` as TextKey) }),
        lines: [{ text: data.customer.name, path: `/customers/${data.customer.id}` }],
        path: `/customers/${data.customer.id}`,
        buttons: [
          { action: 'open', text: text(locale, 'logFollowUp'), style: 'primary', path: `/customers/${data.customer.id}/follow-up` },
          ...ack,
        ],
      };
    case 'campaignInvite':
      return {
        title: text(locale, 'campaignTitle'),
        description: text(locale, 'campaignDesc', { name: data.name, date: data.startOn, n: Math.max(data.total, data.customers.length) }),
        lines: listed(data.customers, data.total, (c) => ({ text: c.name, path: `/customers/${c.id}` }), locale),
        path: data.customers.length === 1 ? `/customers/${data.customers[0]!.id}` : '/customers',
        buttons: ack,
      };
    case 'poolVisit':
      return {
        title: text(locale, 'poolVisitTitle'),
        description: text(locale, 'poolVisitDesc', { name: data.customer.name }),
        lines: [{ text: data.customer.name, path: `/customers/${data.customer.id}` }],
        path: `/customers/${data.customer.id}`,
        buttons: ack,
      };
    case 'contractEnding':
      return {
        title: text(locale, 'endingTitle'),
        description: text(locale, 'endingDesc', { n: Math.max(data.total, data.contracts.length) }),
        lines: listed(
          data.contracts,
          data.total,
          (c) => ({ text: text(locale, 'endingLine', { customer: c.customer.name, number: c.number, days: c.daysLeft, date: c.endOn }), path: `/contracts/${c.id}` }),
          locale,
        ),
        path: data.contracts.length === 1 ? `/contracts/${data.contracts[0]!.id}` : '/contracts',
        buttons: ack,
      };
    case 'dailyDigest':
      return {
        title: text(locale, 'digestTitle', { date: data.date }),
        description: text(locale, 'digestDesc', { customers: data.newCustomers, followUps: data.followUps, visits: data.visits }),
        lines: [
          { text: text(locale, 'digestLine', { due: data.dueToday, overdue: data.overdue }), path: '/' },
          ...(data.stageMoves ? [{ text: text(locale, 'digestMoves', { n: data.stageMoves }) }] : []),
          ...(data.silent?.length ? [{ text: text(locale, 'digestSilent', { names: data.silent.join('、') }) }] : []),
          ...(data.reclaimTomorrow ? [{ text: text(locale, 'digestReclaim', { n: data.reclaimTomorrow }), path: '/customers' }] : []),
        ],
        path: '/',
        buttons: [],
      };
    case 'customerLookup':
      return {
        title: text(locale, 'lookupTitle', { query: data.query }),
        description: data.customers.length ? text(locale, 'lookupDesc', { n: Math.max(data.total, data.customers.length) }) : text(locale, 'lookupNone'),
        lines: listed(
          data.customers,
          data.total,
          (c) => ({ text: text(locale, 'lookupLine', { name: c.name, stage: text(locale, `stage_${c.stage}` as TextKey), owner: c.owner }), path: `/customers/${c.id}` }),
          locale,
        ),
        path: data.customers.length === 1 ? `/customers/${data.customers[0]!.id}` : '/customers',
        buttons: [],
      };
    case 'botHelp':
      return { title: text(locale, 'helpTitle'), description: text(locale, 'helpDesc'), lines: [], path: '/', buttons: [] };
    case 'webhookDisabled':
      return {
        title: text(locale, 'webhookTitle'),
        description: text(locale, 'webhookDesc', { host: data.host, error: data.lastError || '-' }),
        lines: [{ text: text(locale, 'webhookLine'), path: '/settings' }],
        path: '/settings',
        buttons: [],
      };
    case 'dataQuality':
      return {
        title: text(locale, 'qualityTitle'),
        description: text(locale, 'qualityDesc', { incomplete: data.incomplete, duplicates: data.duplicateCustomers, phones: data.invalidPhones }),
        lines: [],
        path: '/customers',
        buttons: [],
      };
  }
}
