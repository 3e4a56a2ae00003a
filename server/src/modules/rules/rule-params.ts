// Each rule's parameters, with the defaults a new company starts with.
import { z } from 'zod';

const days = z.number().int().min(1).max(3650);

/** Which customers a rule looks at, in the customer list's own filter vocabulary. */
export const ruleFilter = z
  .object({
    level: z.string().max(20),
    industry: z.string().max(50),
    source: z.string().max(50),
    province: z.string().max(30),
    city: z.string().max(30),
    tag: z.string().max(30),
  })
  .partial()
  .strict()
  .default({});
export type RuleFilter = z.infer<typeof ruleFilter>;

export const ruleParams = {
  staleCustomers: z
    .object({
      /** days without follow-up, by stage, before the owner is reminded */
      days: z.object({ lead: days, prospect: days, customer: days }).strict().default({ lead: 3, prospect: 7, customer: 30 }),
      /** extra days before the owner's manager is copied */
      escalateAfter: z.number().int().min(0).max(365).default(2),
      filter: ruleFilter,
    })
    .strict(),
  followUpDue: z.object({}).strict(),
  poolReclaim: z
    .object({
      days: z.object({ lead: days, prospect: days, customer: days }).strict().default({ lead: 15, prospect: 30, customer: 90 }),
      /** the warning goes this many days before the customer is reclaimed */
      warnBefore: z.number().int().min(0).max(30).default(3),
      filter: ruleFilter,
    })
    .strict(),
  birthday: z
    .object({
      /** how many days ahead the owner hears of a birthday */
      daysAhead: z.number().int().min(0).max(30).default(3),
    })
    .strict(),
  dataQuality: z.object({}).strict(),
  dailyDigest: z.object({}).strict(),
  paymentDue: z
    .object({
      /** days after the due date an unpaid instalment goes to the owner's manager */
      escalateAfter: z.number().int().min(1).max(90).default(7),
    })
    .strict(),
  opportunityIdle: z
    .object({
      /** days since an opportunity was created or last moved, with no follow-up on its customer */
      days: z.number().int().min(1).max(90).default(3),
    })
    .strict(),
  contractEnding: z
    .object({
      /** the owner hears of a contract ending within this many days (once per contract) */
      daysAhead: z.number().int().min(1).max(180).default(30),
    })
    .strict(),
} as const;

export type RuleKind = keyof typeof ruleParams;
export const ruleKinds = Object.keys(ruleParams) as RuleKind[];

export const defaultRules: Record<RuleKind, { schedule: string }> = {
  staleCustomers: { schedule: '0 9 * * *' },
  followUpDue: { schedule: '30 8 * * *' },
  poolReclaim: { schedule: '0 2 * * *' },
  birthday: { schedule: '0 9 * * *' },
  /** Monday mornings: each rep's customers still missing key fields (待补充) */
  dataQuality: { schedule: '0 10 * * 1' },
  /** to each manager and director at six in the evening */
  dailyDigest: { schedule: '0 18 * * *' },
  /** instalments due today to their owners, a week overdue to the managers */
  paymentDue: { schedule: '0 9 * * *' },
  contractEnding: { schedule: '0 9 * * *' },
  opportunityIdle: { schedule: '0 9 * * *' },
};
