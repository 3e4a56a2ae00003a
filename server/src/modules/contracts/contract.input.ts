// What a client may send for a contract, and the money and date rules it must meet.
import { z } from 'zod';
import { parseAmountFen, parseDate } from '../standards/index.ts';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

/** An amount in yuan (number or text such as ¥150,000.00 or 15万), at most two decimals: to fen. */
export const money = z.union([z.number(), z.string().max(30)]).transform((value, ctx) => {
  const fen = parseAmountFen(value);
  const twoDecimals = typeof value === 'number' ? Math.abs(value * 100 - Math.round(value * 100)) < 1e-6 : !/\.\d{3,}/.test(value);
  if (fen === null || !twoDecimals) {
    ctx.addIssue({ code: 'custom', message: 'expected an amount of at least 0 with at most two decimals, e.g. 150000.00' });
    return z.NEVER;
  }
  return fen;
});

/** A calendar day as YYYY-MM-DD. */
export const calendarDay = z
  .string()
  .max(30)
  .transform((value, ctx) => {
    const date = parseDate(value);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: 'expected a date such as 2026-11-24' });
      return z.NEVER;
    }
    return date.toISOString().slice(0, 10);
  });

const lineItem = z
  .object({
    name: z.string().trim().min(1).max(100),
    quantity: z.number().positive().max(1e9),
    unitPrice: money,
  })
  .strict();

const instalment = z.object({ dueOn: calendarDay, amount: money }).strict();

const fields = {
  title: z.string().trim().min(1).max(100),
  amount: money,
  signedOn: calendarDay.nullable(),
  startOn: calendarDay.nullable(),
  endOn: calendarDay.nullable(),
  ownerId: objectId,
  items: z.array(lineItem).max(100),
  plan: z.array(instalment).max(60),
  attachmentIds: z.array(objectId).max(20),
};

export const createContractBody = z
  .object({
    customerId: objectId,
    opportunityId: objectId.nullable().optional(),
    title: fields.title,
    amount: fields.amount,
    signedOn: fields.signedOn.optional(),
    startOn: fields.startOn.optional(),
    endOn: fields.endOn.optional(),
    ownerId: fields.ownerId.optional(),
    items: fields.items.default([]),
    plan: fields.plan.default([]),
    attachmentIds: fields.attachmentIds.default([]),
  })
  .strict();

export const updateContractBody = z
  .object({
    version: z.number().int().min(1),
    title: fields.title.optional(),
    amount: fields.amount.optional(),
    signedOn: fields.signedOn.optional(),
    startOn: fields.startOn.optional(),
    endOn: fields.endOn.optional(),
    ownerId: fields.ownerId.optional(),
    items: fields.items.optional(),
    plan: fields.plan.optional(),
    attachmentIds: fields.attachmentIds.optional(),
  })
  .strict();

export const amendContractBody = z
  .object({
    version: z.number().int().min(1),
    reason: z.string().trim().min(1).max(500),
    title: fields.title.optional(),
    endOn: fields.endOn.optional(),
    amount: fields.amount.optional(),
    /** the whole new plan: instalments already paid into keep their id */
    plan: z.array(z.object({ id: objectId.optional(), dueOn: calendarDay, amount: money }).strict()).min(1).max(60).optional(),
  })
  .strict();

export type AmendContractInput = z.infer<typeof amendContractBody>;
export type CreateContractInput = z.infer<typeof createContractBody>;
export type UpdateContractInput = z.infer<typeof updateContractBody>;

export const recordPaymentBody = z
  .object({
    instalmentId: objectId,
    amount: money,
    receivedOn: calendarDay,
    method: z.string().trim().min(1).max(20),
    note: z.string().trim().max(500).optional(),
    clientKey: z.string().max(100).optional(),
  })
  .strict();

export type RecordPaymentInput = z.infer<typeof recordPaymentBody>;
