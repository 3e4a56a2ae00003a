// One attempt at a delivery: POST the stored body, signed, with a timeout and no redirects; and the
// schedule of retries after a failed one.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isAppError } from '../../core/errors.ts';
import { signatureHeader } from './signature.ts';
import type { TargetGuard } from './target-guard.ts';

/** Retries back off from 30 s, doubling, at most an hour apart, for 24 hours from the first attempt. */
export const retryPolicy = { firstDelayMs: 30_000, maxDelayMs: 60 * 60_000, windowMs: 24 * 60 * 60_000 };

/** The wait after the `attempts`-th failed attempt (1-based). */
export function backoffMs(attempts: number): number {
  return Math.min(retryPolicy.firstDelayMs * 2 ** Math.max(0, attempts - 1), retryPolicy.maxDelayMs);
}

export interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  /** what went wrong, short and free of the secret or the body */
  error: string | null;
  durationMs: number;
}

export interface OutgoingDelivery {
  id: string;
  type: string;
  url: string;
  secret: string;
  body: string;
}

export async function attemptDelivery(delivery: OutgoingDelivery, options: { guard: TargetGuard; timeoutMs: number; at: Date }): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    // again at send time: the name may resolve elsewhere than when the subscription was saved
    await options.guard.check(delivery.url);
  } catch (error) {
    return { ok: false, statusCode: null, error: isAppError(error) ? `refused: ${error.messageKey}` : 'refused', durationMs: elapsed() };
  }
  try {
    const statusCode = await post(delivery.url, delivery.body, {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'Kemai-Webhooks/1',
      'X-Kemai-Event': delivery.type,
      'X-Kemai-Delivery': delivery.id,
      'X-Kemai-Signature': signatureHeader(delivery.secret, options.at, delivery.body),
    }, { timeoutMs: options.timeoutMs, lookup: options.guard.connectLookup });
    // a redirect (3xx) could lead anywhere, past the guard: it counts as a failure, never followed
    const ok = statusCode >= 200 && statusCode < 300;
    return { ok, statusCode, error: ok ? null : `HTTP ${statusCode}`, durationMs: elapsed() };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFailure(error, options.timeoutMs), durationMs: elapsed() };
  }
}

/**
 * POSTs with node:http(s) rather than fetch, because only these let the socket connect through
 * the guard's lookup (fetch resolves the name on its own). Answers the status code; the response
 * body is read and dropped.
 */
function post(url: string, body: string, headers: Record<string, string>, options: { timeoutMs: number; lookup: LookupFunction }): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, lookup: options.lookup, signal: AbortSignal.timeout(options.timeoutMs) },
      (response) => {
        response.resume(); // frees the socket; the answer's body is not kept
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; messageKey?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  if (e.code === 'EKEMAIREFUSED') return `refused: ${e.messageKey}`;
  // the socket's error: ECONNREFUSED, ENOTFOUND, ECONNRESET…
  return `network error: ${e.code ?? e.message ?? 'unknown'}`.slice(0, 200);
}
