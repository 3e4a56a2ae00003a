import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { BODY_LIMIT_KB: '4' } });
});
afterAll(() => t.close());

describe('HTTP conventions', () => {
  it('puts a request id on every response, keeping a well-formed incoming one', async () => {
    const fresh = await t.request('/healthz');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await t.request('/api/me', { headers: { 'X-Request-Id': 'lb-1234567890' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234567890');
    const replaced = await t.request('/healthz', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('answers unknown API paths with NOT_FOUND in the caller language', async () => {
    const zh = await t.request('/api/no-such-thing');
    expect(zh.status).toBe(404);
    expect(await zh.json()).toEqual({ error: { code: 'NOT_FOUND', message: '接口不存在' } });
    const en = await t.request('/api/no-such-thing', { headers: { 'Accept-Language': 'en' } });
    expect(await en.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'No such endpoint' } });
  });

  it('rejects a body over the limit with 413 and invalid JSON with 400, both VALIDATION', async () => {
    const big = await t.request('/api/auth/dev-login', { method: 'POST', json: { login: 'x'.repeat(8 * 1024) } });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: 'VALIDATION', message: '请求内容过大' } });

    const broken = await t.request('/api/auth/dev-login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"login": ',
    });
    expect(broken.status).toBe(400);
    const body = (await broken.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VALIDATION');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  });

  it('sends security headers', async () => {
    const response = await t.request('/healthz');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('reports liveness and readiness', async () => {
    expect(await (await t.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up' } });
  });

  it('answers 503 on /readyz while shutting down', async () => {
    const draining = await startTestApp({ seed: false });
    try {
      draining.app.markShuttingDown();
      const response = await draining.request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'shutting-down' });
    } finally {
      await draining.close();
    }
  });
});
