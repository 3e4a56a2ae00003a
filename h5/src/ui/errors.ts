import { ApiError } from '../api/client.ts';

/**
 * The server's message as it was sent, followed by the details it gave when they say more (a bulk
 * action over its limit says how many customers the filters matched).
 */
export function errorText(error: unknown): string {
  const message = (error as Error).message;
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return message;
  const more = (error.details as { message?: unknown }[]).map((d) => (typeof d?.message === 'string' ? d.message : '')).filter(Boolean);
  return more.length ? `${message}：${more.join('；')}` : message;
}
