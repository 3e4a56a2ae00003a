// One attempt at a delivery: POST the stored body, signed, with a timeout and no redirects; and the
// schedule of retries after a failed one.
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
    const response = await fetch(delivery.url, {
      method: 'POST',
      body: delivery.body,
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Kemai-Webhooks/1',
        'X-Kemai-Event': delivery.type,
        'X-Kemai-Delivery': delivery.id,
        'X-Kemai-Signature': signatureHeader(delivery.secret, options.at, delivery.body),
      },
      // a redirect could lead anywhere, past the guard: it counts as a failure
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined); // frees the connection; the answer's body is not kept
    const ok = response.status >= 200 && response.status < 300;
    return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}`, durationMs: elapsed() };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFailure(error, options.timeoutMs), durationMs: elapsed() };
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  // fetch wraps the socket's error: ECONNREFUSED, ENOTFOUND, ECONNRESET…
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return `network error: ${cause?.code ?? cause?.message ?? (error as Error)?.message ?? 'unknown'}`.slice(0, 200);
}
