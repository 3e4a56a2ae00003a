// One place for talking to the server: the session (httpOnly cookie), the language, errors with the
// server's own message, and retries of requests that are safe to repeat.
import type { ApiErrorBody } from './types.ts';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  constructor(status: number, body: ApiErrorBody['error']) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.details = body.details;
  }

  /** Field messages by path, for showing beside form fields. */
  fieldErrors(): Record<string, string> {
    const details = Array.isArray(this.details) ? (this.details as { path?: string; message?: string }[]) : [];
    return Object.fromEntries(details.filter((d) => d.path).map((d) => [d.path!, d.message ?? '']));
  }
}

/** The request never reached the server (offline, DNS, connection reset). */
export class NetworkError extends Error {}

let locale = 'zh-CN';
let onUnauthenticated: () => void = () => undefined;
/** where the API lives when it is not this page's origin (tests, an app served from a CDN) */
let baseUrl = '';
/** a bearer token for clients without the session cookie */
let token: string | null = null;

export function configureClient(options: { locale?: string; onUnauthenticated?: () => void; baseUrl?: string; token?: string | null }): void {
  if (options.locale) locale = options.locale;
  if (options.onUnauthenticated) onUnauthenticated = options.onUnauthenticated;
  if (options.baseUrl !== undefined) baseUrl = options.baseUrl;
  if (options.token !== undefined) token = options.token;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** retried on network failure; a POST only when it carries an idempotency key */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const safeToRepeat = (method: string, key?: string) => ['GET', 'HEAD', 'PUT', 'DELETE'].includes(method) || !!key;

/** What every request carries: the language, the client, and the token when there is one. */
function baseHeaders(): Record<string, string> {
  const headers: Record<string, string> = { 'Accept-Language': locale, 'X-Kemai-Client': 'h5' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

async function errorOf(response: Response, path: string): Promise<ApiError> {
  const data = (await response.json().catch(() => null)) as ApiErrorBody | null;
  if (response.status === 401 && !path.startsWith('/api/auth/')) onUnauthenticated();
  return new ApiError(response.status, data?.error ?? { code: 'INTERNAL', message: response.statusText });
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers = baseHeaders();
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) body = options.body;
  else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  const attempts = safeToRepeat(method, options.idempotencyKey) ? 3 : 1;
  let response: Response | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      response = await fetch(baseUrl + path, { method, headers, body, credentials: 'same-origin', ...(options.signal ? { signal: options.signal } : {}) });
      if (response.status >= 502 && response.status <= 504 && attempt < attempts) throw new NetworkError('gateway');
      break;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      if (attempt >= attempts) throw new NetworkError((error as Error).message);
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
  if (response.status === 204) return undefined as T;
  const data = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) {
    const error = (data as ApiErrorBody | null)?.error ?? { code: 'INTERNAL', message: response.statusText };
    if (response.status === 401 && !path.startsWith('/api/auth/')) onUnauthenticated();
    throw new ApiError(response.status, error);
  }
  return data as T;
}

/** A client key for a create the user may retry (and the offline queue replays). */
export function newIdempotencyKey(): string {
  return `h5-${crypto.randomUUID()}`;
}

/**
 * A file the server sends (an import's result workbook), fetched with the same session, token and
 * language as api(); the name is the one the server gave in Content-Disposition, when it gave one.
 */
export async function apiFile(path: string): Promise<{ blob: Blob; fileName: string | null }> {
  let response: Response;
  try {
    response = await fetch(baseUrl + path, { headers: baseHeaders(), credentials: 'same-origin' });
  } catch (error) {
    throw new NetworkError((error as Error).message);
  }
  if (!response.ok) throw await errorOf(response, path);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const plain = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
  let fileName: string | null = plain ?? null;
  if (encoded) {
    try {
      fileName = decodeURIComponent(encoded);
    } catch {
      // a malformed name: keep the plain one
    }
  }
  return { blob: await response.blob(), fileName };
}
