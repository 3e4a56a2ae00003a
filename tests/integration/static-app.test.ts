// The built H5 app as the server serves it: uncached index.html, long-cached hashed assets,
// compression, and client routes answered with the app.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

let t: TestApp;
const dist = mkdtempSync(join(tmpdir(), 'kemai-dist-'));
const script = `console.log(${JSON.stringify('客脉'.repeat(2000))});`;

beforeAll(async () => {
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>客脉</title><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), script);
  t = await startTestApp({ h5DistDir: dist, seed: false });
});
afterAll(async () => {
  await t.close();
  rmSync(dist, { recursive: true, force: true });
});

describe('serving the H5 app', () => {
  it('serves index.html uncached and hashed assets for a year, compressed', async () => {
    const index = await t.request('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('<title>客脉</title>');

    const asset = await t.request('/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(await asset.text()).toBe(script); // fetch decompresses
  });

  it('answers client-side routes with the app, but not missing files or the API', async () => {
    const route = await t.request('/customers/123', { headers: { Accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>客脉</title>');
    expect((await t.request('/assets/missing-000.js')).status).toBe(404);
    const api = await t.request('/api/nothing-here');
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
