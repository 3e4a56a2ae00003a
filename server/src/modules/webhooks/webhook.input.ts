// What admins send to /api/webhooks.
import { z } from 'zod';
import { domainEventTypes } from '../../core/events.ts';

const url = z.string().trim().min(1).max(2000);
const events = z.array(z.enum(domainEventTypes)).min(1).max(domainEventTypes.length);
/** admins may bring their own secret (the receiver already has one); printable, no spaces */
const secret = z.string().regex(/^[\x21-\x7e]{16,200}$/, '16–200 printable characters without spaces');

export const createWebhookBody = z.object({ url, events, secret: secret.optional(), active: z.boolean().default(true) }).strict();
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    events: events.optional(),
    active: z.boolean().optional(),
    /** a new secret chosen by the admin, or one made by the server (shown once in the answer) */
    secret: secret.optional(),
    rotateSecret: z.literal(true).optional(),
  })
  .strict()
  .refine((body) => !(body.secret && body.rotateSecret), { message: 'secret or rotateSecret, not both', path: ['rotateSecret'] });
export type UpdateWebhookInput = z.infer<typeof updateWebhookBody>;

export const deliveriesQuery = z.object({
  status: z.enum(['pending', 'paused', 'delivered', 'failed']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;
