// Card data: what a card says, independent of the chat platform that shows it.
export type Locale = 'zh-CN' | 'en';

export interface CustomerRef {
  id: string;
  name: string;
}

export type CardData =
  | { kind: 'staleCustomers'; customers: (CustomerRef & { idleDays: number })[]; total: number }
  | { kind: 'followUpDue'; items: (CustomerRef & { dueAt: string; overdue: boolean })[]; total: number }
  | { kind: 'birthday'; people: { customer: CustomerRef; person: string; date: string; greeting: string }[]; total: number }
  | { kind: 'poolReclaimWarning'; customers: (CustomerRef & { daysLeft: number })[]; total: number }
  | {
      kind: 'contractApproval';
      approvalId: string;
      contractId: string;
      number: string;
      customer: CustomerRef;
      amountFen: number;
      submitter: string;
      /** the contract's title (its summary) and the step being asked for */
      title?: string;
      step?: string;
      /** an amendment (合同变更) of an approved contract rather than its first approval */
      amendment?: boolean;
    }
  | { kind: 'approvalResult'; contractId: string; number: string; customer: CustomerRef; decision: 'approved' | 'rejected'; decidedBy: string; comment?: string }
  | {
      kind: 'dailyDigest';
      date: string;
      newCustomers: number;
      followUps: number;
      visits: number;
      dueToday: number;
      overdue: number;
      /** customers moved to another stage through today's follow-ups */
      stageMoves?: number;
      /** people of the team who logged nothing today */
      silent?: string[];
      /** customers the reclaim rule takes to the pool tomorrow */
      reclaimTomorrow?: number;
    }
  | {
      kind: 'paymentDue';
      /** instalments due today (to the owner) or overdue a week (to their manager) */
      items: { contractId: string; number: string; customer: CustomerRef; dueOn: string; outstandingFen: number; daysOverdue: number }[];
      total: number;
    }
  | { kind: 'opportunityIdle'; opportunities: { id: string; title: string; customer: CustomerRef; idleDays: number }[]; total: number }
  | {
      kind: 'ticketUpdate';
      /** to the customer's owner when opened or resolved; to the assignee and their manager before the SLA passes */
      event: 'opened' | 'resolved' | 'slaWarning';
      ticketId: string;
      number: string;
      customer: CustomerRef;
      category: string;
      priority: 'low' | 'normal' | 'high' | 'urgent';
      dueAt: string;
    }
  /** a lead handed to a rep (or, `known`, a lead from someone already a customer, to their owner) */
  | { kind: 'newLead'; leadId: string; customer: CustomerRef; contact: string; source: string; known: boolean }
  /** customers of the recipient invited to a campaign */
  | { kind: 'campaignInvite'; campaignId: string; name: string; startOn: string; customers: CustomerRef[]; total: number }
  /** a customer waiting in the public pool came back to the company's site: to their last owner */
  | { kind: 'poolVisit'; customer: CustomerRef; day: string }
  | { kind: 'contractEnding'; contracts: { id: string; number: string; customer: CustomerRef; endOn: string; daysLeft: number }[]; total: number }
  | { kind: 'dataQuality'; incomplete: number; duplicateCustomers: number; invalidPhones: number }
  | { kind: 'customerLookup'; query: string; customers: (CustomerRef & { stage: string; owner: string })[]; total: number }
  | { kind: 'botHelp' }
  /** to admins: a webhook whose deliveries failed for 24 hours was turned off */
  | { kind: 'webhookDisabled'; webhookId: string; host: string; lastError: string };

export type CardKind = CardData['kind'];

export interface Card {
  /** unique per card sent; WeCom's task_id: [0-9A-Za-z_-@], ≤ 128 bytes */
  id: string;
  data: CardData;
}

/** A card's state after someone acted on it: the buttons give way to this text. */
export interface CardOutcome {
  text: string;
}

export interface RenderOptions {
  locale: Locale;
  /** the H5 deep link for an app path such as /customers/123 (platforms sign the user in on the way) */
  link: (path: string) => string;
  outcome?: CardOutcome;
}

/** The platform-neutral form every renderer starts from. */
export interface CardView {
  title: string;
  description: string;
  lines: { text: string; path?: string }[];
  /** where tapping the card itself goes */
  path: string;
  /** a button with a path opens the app there; the others send a card.action */
  buttons: { action: string; text: string; style: 'primary' | 'danger' | 'default'; path?: string }[];
  outcome?: string;
}
