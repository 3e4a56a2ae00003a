// GET /metrics: Prometheus text from the app's own registry, behind METRICS_TOKEN; requests by
// route pattern (never the raw URL), job runs and failures, platform API errors, queue depths.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../server/src/core/jobs/runner.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { DingTalkApi } from '../../server/src/platforms/dingtalk/api.ts';
import { WeComApi } from '../../server/src/platforms/wecom/api.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const token = 'metrics-token-of-some-length-0123';
let t: TestApp;
let off: TestApp;

beforeAll(async () => {
  // two apps in one process: each has its own registry, so neither registration collides
  t = await startTestApp({ env: { METRICS_TOKEN: token } });
  off = await startTestApp({ seed: false });
});
afterAll(async () => {
  await off.close();
  await t.close();
});

async function scrape(): Promise<string> {
  const response = await t.request('/metrics', { token });
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of the one sample of `name` carrying all `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('GET /metrics', () => {
  it('is not there at all without METRICS_TOKEN', async () => {
    expect((await off.request('/metrics')).status).toBe(404);
    expect((await off.request('/metrics', { token })).status).toBe(404);
  });

  it('asks for the bearer token, and refuses a wrong one', async () => {
    const none = await t.request('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await t.request('/metrics', { token: token + 'x' })).status).toBe(401);
    expect((await t.request('/metrics', { token: token.slice(0, -1) })).status).toBe(401);
    expect((await t.request('/metrics', { headers: { Authorization: token } })).status).toBe(401);
  });

  it('answers Prometheus text with process metrics', async () => {
    const response = await t.request('/metrics', { token });
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toMatch(/^# HELP kemai_http_requests_total /m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('counts and times requests by method, route pattern and status class, never by raw URL', async () => {
    const rep = await t.login('rep.east1');
    const created = await t.request('/api/customers', { method: 'POST', token: rep, json: { type: 'company', name: '度量测试有限公司', source: '官网', industry: '互联网' } });
    expect(created.status, await created.clone().text()).toBe(201);
    const id = ((await created.json()) as { id: string }).id;
    for (let i = 0; i < 2; i++) expect((await t.request(`/api/customers/${id}`, { token: rep })).status).toBe(200);
    const missing = new Types.ObjectId().toHexString();
    expect((await t.request(`/api/customers/${missing}`, { token: rep })).status).toBe(404);

    const text = await scrape();
    const route = { method: 'GET', route: '/api/customers/:id' };
    expect(sample(text, 'kemai_http_requests_total', { ...route, status_class: '2xx' })).toBe(2);
    expect(sample(text, 'kemai_http_requests_total', { ...route, status_class: '4xx' })).toBe(1);
    expect(sample(text, 'kemai_http_requests_total', { method: 'POST', route: '/api/customers', status_class: '2xx' })).toBe(1);
    expect(sample(text, 'kemai_http_request_duration_seconds_count', { ...route, status_class: '2xx' })).toBe(2);
    expect(sample(text, 'kemai_http_request_duration_seconds_bucket', { ...route, status_class: '2xx', le: '+Inf' })).toBe(2);
    // no id, no query string, no raw path of any request made above
    expect(text).not.toContain(id);
    expect(text).not.toContain(missing);
    // a path no route knows is one series, whatever was asked
    await t.request('/no/such/page/123');
    await t.request('/another/unknown?x=1');
    expect(sample(await scrape(), 'kemai_http_requests_total', { method: 'GET', route: 'unmatched' })).toBeGreaterThanOrEqual(2);
  });

  it('counts job runs and failures by job name', async () => {
    const runner = new JobRunner({
      db: t.db.connection.db!,
      logger: createLogger({ level: 'silent' }),
      processEveryMs: 100,
      retry: { delayMs: 60_000, maxRetries: 0 },
      observer: t.app.metrics.jobs,
    });
    runner.define('metrics.ok', async () => undefined);
    runner.define('metrics.broken', async () => {
      throw new Error('on purpose');
    });
    await runner.start();
    try {
      await runner.agenda.now('metrics.ok', {});
      await runner.agenda.now('metrics.ok', {});
      await runner.agenda.now('metrics.broken', {});
      await until(async () => {
        const text = await scrape();
        return sample(text, 'kemai_job_runs_total', { job: 'metrics.ok' }) === 2 && sample(text, 'kemai_job_failures_total', { job: 'metrics.broken' }) === 1;
      });
      const text = await scrape();
      expect(sample(text, 'kemai_job_runs_total', { job: 'metrics.broken' })).toBe(1);
      expect(sample(text, 'kemai_job_failures_total', { job: 'metrics.ok' })).toBeUndefined();
      expect(sample(text, 'kemai_job_duration_seconds_count', { job: 'metrics.ok', outcome: 'success' })).toBe(2);
    } finally {
      await runner.stop();
    }
  });

  it('counts WeCom and DingTalk API errors by platform and code', async () => {
    // a platform answering every call with an error, as both do for a wrong secret
    const fake: Server = createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ errcode: 40001, errmsg: 'invalid credential' }));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    try {
      const before = await scrape();
      const wecom = new WeComApi({ corpId: 'ww1', agentId: '1', secret: 's', apiBase: base });
      const dingtalk = new DingTalkApi({ clientId: 'c', clientSecret: 's', robotCode: 'c', corpId: '', apiBase: base, oapiBase: base });
      await expect(wecom.checkConnection()).rejects.toThrow(/WeCom error 40001/);
      await expect(wecom.checkConnection()).rejects.toThrow(/WeCom error 40001/);
      await expect(dingtalk.checkConnection()).rejects.toThrow(/DingTalk error 40001/);
      const after = await scrape();
      const delta = (platform: string) =>
        (sample(after, 'kemai_platform_api_errors_total', { platform, code: '40001' }) ?? 0) - (sample(before, 'kemai_platform_api_errors_total', { platform, code: '40001' }) ?? 0);
      expect(delta('wecom')).toBe(2);
      expect(delta('dingtalk')).toBe(1);
    } finally {
      fake.close();
    }
  });

  it('shows what waits in each queue at scrape time', async () => {
    const now = new Date();
    const empty = await scrape();
    for (const queue of ['card_deliveries', 'webhook_deliveries', 'campaign_sends', 'imports']) expect(sample(empty, 'kemai_queue_depth', { queue })).toBe(0);

    // written straight to the collections: only what the counts look at matters here
    const db = t.db.connection.db!;
    await db.collection('pendingCards').insertMany([{ notBefore: now }, { notBefore: new Date(now.getTime() + 60_000) }]);
    await db.collection('webhookDeliveries').insertMany([{ status: 'pending' }, { status: 'pending' }, { status: 'delivered' }, { status: 'paused' }]);
    await db.collection('campaignSends').insertMany([{ status: 'queued', token: 'a', email: 'a@x.cn', emailKey: 'ka' }, { status: 'sent', token: 'b', email: 'b@x.cn', emailKey: 'kb' }]);
    await db.collection('imports').insertMany([{ status: 'analysing' }, { status: 'committing' }, { status: 'ready' }, { status: 'done' }]);

    const text = await scrape();
    expect(sample(text, 'kemai_queue_depth', { queue: 'card_deliveries' })).toBe(2);
    expect(sample(text, 'kemai_queue_depth', { queue: 'webhook_deliveries' })).toBe(2);
    expect(sample(text, 'kemai_queue_depth', { queue: 'campaign_sends' })).toBe(1);
    expect(sample(text, 'kemai_queue_depth', { queue: 'imports' })).toBe(2);
  });
});
