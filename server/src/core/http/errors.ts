// Turns every failure into {"error":{"code","message","details"}} with a stable code and a message
// in the caller's language. Unknown errors are logged with their stack and answered as INTERNAL.
import type { Middleware } from 'koa';
import mongoose from 'mongoose';
import { z } from 'zod';
import { AppError, isAppError } from '../errors.ts';
import { translate } from '../i18n.ts';
import type { KemaiState } from './context.ts';
import { zodIssues } from './validate.ts';

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  type?: string;
}

/** Maps errors thrown by libraries (body parser, mongoose, zod) to Kemai's codes. */
export function toAppError(error: unknown): AppError | null {
  if (isAppError(error)) return error;
  if (error instanceof z.ZodError) return new AppError('VALIDATION', { details: zodIssues(error) });
  if (error instanceof mongoose.Error.CastError) return new AppError('NOT_FOUND');
  if (error instanceof mongoose.Error.ValidationError) {
    const details = Object.values(error.errors).map((e) => ({ path: e.path, message: e.message }));
    return new AppError('VALIDATION', { details });
  }
  if (isDatabaseUnreachable(error)) return new AppError('SERVICE_UNAVAILABLE', { cause: error, retryAfterSeconds: databaseRetryAfterSeconds });
  const code = (error as { code?: unknown })?.code;
  if (code === 11000) return new AppError('CONFLICT', { cause: error });
  const http = error as HttpLikeError;
  const status = http?.status ?? http?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new AppError('VALIDATION', { status: 413, messageKey: 'error.body.tooLarge' });
    if (http.type === 'entity.parse.failed' || status === 400) {
      return new AppError('VALIDATION', { messageKey: http.type === 'entity.parse.failed' ? 'error.body.invalidJson' : undefined });
    }
    if (status === 401) return new AppError('UNAUTHENTICATED');
    if (status === 403) return new AppError('FORBIDDEN');
    if (status === 404) return new AppError('NOT_FOUND');
    if (status === 429) return new AppError('RATE_LIMITED');
    return new AppError('VALIDATION', { status });
  }
  return null;
}

/** Errors meaning the database cannot be reached now (not that the request was wrong). */
const unreachable = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
]);

function isDatabaseUnreachable(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | null;
  return !!e && (unreachable.has(e.name ?? '') || /buffering timed out/.test(e.message ?? ''));
}

/** How long a client should wait before trying again when the database is out of reach. */
const databaseRetryAfterSeconds = 5;

export function errorHandler(): Middleware<KemaiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (thrown) {
      const known = toAppError(thrown);
      const error = known ?? new AppError('INTERNAL', { cause: thrown });
      if (!known) ctx.state.log.error({ err: thrown }, 'unhandled error');
      else if (error.status >= 500) ctx.state.log.error({ err: error.cause ?? error }, 'server error');
      ctx.status = error.status;
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      ctx.body = {
        error: {
          code: error.code,
          message: translate(error.messageKey, ctx.state.locale, error.params),
          ...(error.details !== undefined ? { details: error.details } : {}),
        },
      };
    }
  };
}
