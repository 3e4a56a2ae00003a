// The X-Kemai-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed
// with the subscription's secret. The timestamp is signed too, so a receiver that refuses old
// timestamps cannot be fed a captured request again.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, at: Date, body: string): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${signatureOf(secret, t, body)}`;
}

/** What a receiver does (documented here, used by the tests): recompute and compare in constant time. */
export function verifySignature(secret: string, header: string, body: string): boolean {
  const parts = new Map(header.split(',').map((p) => p.trim().split('=') as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(signatureOf(secret, t, body), 'hex'), Buffer.from(given, 'hex'));
}

/** A new secret for a subscription whose admin supplied none. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
