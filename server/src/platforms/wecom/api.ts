// WeCom's server API: the access token cached per app and refreshed by one caller at a time; an
// invalid or expired token (40014, 42001, 40001) is dropped, fetched again once and the call
// retried once. The token never leaves the server.
import { countPlatformError } from '../../core/metrics.ts';

export class WeComError extends Error {
  readonly errcode: number;
  constructor(errcode: number, errmsg: string) {
    super(`WeCom error ${errcode}: ${errmsg}`);
    this.name = 'WeComError';
    this.errcode = errcode;
    // counted where it is made: only this client makes them, on every path that fails (/metrics)
    countPlatformError('wecom', errcode);
  }
}

export interface WeComCredentials {
  corpId: string;
  agentId: string;
  secret: string;
  apiBase: string;
}

interface Cached {
  value: string;
  expiresAt: number;
}

const tokenErrors = new Set([40014, 42001, 40001]);
/** refresh a little before WeCom's stated expiry */
const expiryMarginMs = 5 * 60_000;

export class WeComApi {
  readonly credentials: WeComCredentials;
  private token: Cached | null = null;
  private refreshing: Promise<string> | null = null;
  private readonly tickets = new Map<string, Cached>();
  private readonly ticketFetches = new Map<string, Promise<string>>();

  constructor(credentials: WeComCredentials) {
    this.credentials = credentials;
  }

  private async fetchJson(path: string, query: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> {
    const url = new URL(path, this.credentials.apiBase);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await fetch(url, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new WeComError(-1, `HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  /** The app's access token; concurrent callers share one fetch. */
  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.refreshing ??= (async () => {
      try {
        const answer = await this.fetchJson('/cgi-bin/gettoken', { corpid: this.credentials.corpId, corpsecret: this.credentials.secret });
        if (answer.errcode !== 0) throw new WeComError(Number(answer.errcode), String(answer.errmsg));
        this.token = {
          value: String(answer.access_token),
          expiresAt: Date.now() + Number(answer.expires_in ?? 7200) * 1000 - expiryMarginMs,
        };
        return this.token.value;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Fetches a fresh token, proving the credentials work (the settings page's test button). */
  async checkConnection(): Promise<void> {
    this.token = null;
    await this.accessToken();
  }

  invalidateToken(stale: string): void {
    if (this.token?.value === stale) this.token = null;
  }

  /** Calls an API that takes ?access_token=, retrying once with a fresh token when WeCom rejects it. */
  async call<T extends Record<string, unknown>>(path: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const answer = await this.fetchJson(path, { ...options.query, access_token: token }, options.body);
      const errcode = Number(answer.errcode ?? 0);
      if (errcode === 0) return answer as T;
      if (tokenErrors.has(errcode) && attempt === 1) {
        this.invalidateToken(token);
        continue;
      }
      throw new WeComError(errcode, String(answer.errmsg ?? ''));
    }
  }

  /** jsapi (corp) and agent_config (app) tickets: fetches are limited per hour, so they are cached. */
  async ticket(kind: 'jsapi' | 'agent_config'): Promise<string> {
    const cached = this.tickets.get(kind);
    if (cached && cached.expiresAt > Date.now()) return cached.value;
    let pending = this.ticketFetches.get(kind);
    if (!pending) {
      pending = (async () => {
        try {
          const answer =
            kind === 'jsapi'
              ? await this.call<{ ticket: string; expires_in: number }>('/cgi-bin/get_jsapi_ticket')
              : await this.call<{ ticket: string; expires_in: number }>('/cgi-bin/ticket/get', { query: { type: 'agent_config' } });
          this.tickets.set(kind, { value: answer.ticket, expiresAt: Date.now() + Number(answer.expires_in ?? 7200) * 1000 - expiryMarginMs });
          return answer.ticket;
        } finally {
          this.ticketFetches.delete(kind);
        }
      })();
      this.ticketFetches.set(kind, pending);
    }
    return pending;
  }
}
