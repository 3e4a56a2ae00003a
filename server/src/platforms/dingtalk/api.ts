// DingTalk's two API hosts: oapi (?access_token=) and api.dingtalk.com (x-acs-dingtalk-access-token).
// The app token is cached and refreshed by one caller at a time; a rejected token is fetched again
// once and the call retried once.
import { countPlatformError } from '../../core/metrics.ts';

export class DingTalkError extends Error {
  readonly code: string | number;
  /** the HTTP status of api.dingtalk.com's answer (oapi answers 200 with an errcode) */
  readonly httpStatus: number | null;
  constructor(code: string | number, message: string, httpStatus: number | null = null) {
    super(`DingTalk error ${code}: ${message}`);
    this.name = 'DingTalkError';
    this.code = code;
    this.httpStatus = httpStatus;
    // counted where it is made: only this client makes them, on every path that fails (/metrics)
    countPlatformError('dingtalk', code);
  }

  /** DingTalk busy or limiting the rate rather than refusing the request: worth trying again later */
  get transient(): boolean {
    const status = this.httpStatus ?? 0;
    return status >= 500 || status === 429 || String(this.code) === '429' || /throttl|qpslimit|serviceunavailable|systembusy/i.test(String(this.code));
  }
}

export interface DingTalkCredentials {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  corpId: string;
  apiBase: string;
  oapiBase: string;
}

const tokenErrcodes = new Set([40014, 42001, 40001, 88]);
const expiryMarginMs = 5 * 60_000;

export class DingTalkApi {
  readonly credentials: DingTalkCredentials;
  private token: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;

  constructor(credentials: DingTalkCredentials) {
    this.credentials = credentials;
  }

  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    this.refreshing ??= (async () => {
      try {
        const url = new URL('/gettoken', this.credentials.oapiBase);
        url.searchParams.set('appkey', this.credentials.clientId);
        url.searchParams.set('appsecret', this.credentials.clientSecret);
        const answer = (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as Record<string, unknown>;
        if (answer.errcode !== 0) throw new DingTalkError(Number(answer.errcode), String(answer.errmsg));
        this.token = { value: String(answer.access_token), expiresAt: Date.now() + Number(answer.expires_in ?? 7200) * 1000 - expiryMarginMs };
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

  private drop(stale: string): void {
    if (this.token?.value === stale) this.token = null;
  }

  /** oapi.dingtalk.com: POST JSON with ?access_token=, answers carry errcode. */
  async oapi<T extends Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const url = new URL(path, this.credentials.oapiBase);
      url.searchParams.set('access_token', token);
      const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      const answer = (await response.json()) as Record<string, unknown>;
      const errcode = Number(answer.errcode ?? 0);
      if (errcode === 0) return answer as T;
      if (tokenErrcodes.has(errcode) && attempt === 1) {
        this.drop(token);
        continue;
      }
      throw new DingTalkError(errcode, String(answer.errmsg ?? ''));
    }
  }

  /** api.dingtalk.com: the token in a header, errors as HTTP status with a code. */
  async api<T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken();
      const response = await fetch(new URL(path, this.credentials.apiBase), {
        method,
        headers: { 'Content-Type': 'application/json', 'x-acs-dingtalk-access-token': token },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 401 && attempt === 1) {
        this.drop(token);
        continue;
      }
      const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) throw new DingTalkError(String(answer.code ?? response.status), String(answer.message ?? response.statusText), response.status);
      return answer as T;
    }
  }
}
