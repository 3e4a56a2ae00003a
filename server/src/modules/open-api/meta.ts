// The request meta the services take (language, client, retry key), for the open API: its changes
// are recorded in the audit trail as made through the API, whatever headers the client sends.
import type { KemaiContext } from '../../core/http/context.ts';
import { requestMeta } from '../../core/http/request-meta.ts';
import type { RequestMeta } from '../customers/customer.service.ts';

export function apiMeta(ctx: KemaiContext, idempotencyKey?: string): RequestMeta {
  const meta = requestMeta(ctx);
  return { ...meta, client: { ...meta.client, via: 'api' }, ...(idempotencyKey ? { idempotencyKey } : {}) };
}
