// One error type for everything a client may be told. The code is stable, the message is
// translated for the caller, details are safe to show (never a stack or a secret).
export const errorCodes = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  DUPLICATE: 409,
  /** it existed, and was removed for good (a retention period ran out) */
  GONE: 410,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** the database (or another dependency) is out of reach: try again shortly */
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface AppErrorOptions {
  /** i18n key of the message; defaults to `error.<code>` */
  messageKey?: string;
  params?: Record<string, unknown>;
  details?: unknown;
  /** HTTP status when it differs from the code's usual one (e.g. 413 for a too-large body) */
  status?: number;
  cause?: unknown;
  /** for RATE_LIMITED and SERVICE_UNAVAILABLE: when to try again, sent as Retry-After */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly messageKey: string;
  readonly params: Record<string, unknown>;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.messageKey ?? `error.${code}`, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? errorCodes[code];
    this.messageKey = options.messageKey ?? `error.${code}`;
    this.params = options.params ?? {};
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export const notFound = () => new AppError('NOT_FOUND');
export const forbidden = () => new AppError('FORBIDDEN');
export const unauthenticated = (messageKey?: string) =>
  new AppError('UNAUTHENTICATED', messageKey ? { messageKey } : {});
