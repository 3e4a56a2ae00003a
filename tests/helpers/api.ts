// One API call as a given token, answered as status and parsed body (empty for 204).
import type { TestApp } from './test-app.ts';

export type Json = Record<string, any>;

export async function apiCall(t: TestApp, token: string, path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: Json }> {
  const response = await t.request(path, { ...init, token });
  return { status: response.status, body: response.status === 204 ? {} : ((await response.json()) as Json) };
}
