// What services need to know about the request beyond its body: the caller's language, which
// client sent it (for the audit trail) and the client's retry key.
import type { KemaiContext } from './context.ts';
import type { ClientInfo } from '../../modules/audit/audit.service.ts';
import { AppError } from '../errors.ts';

const retryKey = /^[A-Za-z0-9._:-]{8,100}$/;

export function requestMeta(ctx: KemaiContext, bodyKey?: unknown) {
  const header = ctx.get('Idempotency-Key') || (typeof bodyKey === 'string' ? bodyKey : '');
  if (header && !retryKey.test(header)) {
    throw new AppError('VALIDATION', { details: [{ path: 'Idempotency-Key', message: '8–100 letters, digits, . _ : -' }] });
  }
  const via: ClientInfo['via'] = ctx.get('X-Kemai-Client') === 'h5' ? 'h5' : 'api';
  return {
    locale: ctx.state.locale,
    client: { via, requestId: ctx.state.requestId, userAgent: ctx.get('User-Agent') || undefined },
    ...(header ? { idempotencyKey: header } : {}),
  };
}
