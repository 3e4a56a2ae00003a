// The database goes away mid-run (K13): requests answer 503 SERVICE_UNAVAILABLE with Retry-After,
// /readyz says 503, nothing is half-written; when it comes back the same server serves again
// without a restart. Runs on an embedded database of its own (on a file, so data survives), on
// loopback, bounded in time.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { buildApp, type KemaiApp } from '../../server/src/app.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../server/src/core/db/embedded.ts';
import { createLogger } from '../../server/src/core/logger.ts';

type Json = Record<string, any>;

const dir = mkdtempSync(join(tmpdir(), 'kemai-outage-'));
const dataFile = join(dir, 'kemai.h2');
let port: number;
let database: EmbeddedDatabase;
let connection: Connection;
let app: KemaiApp;
let server: Server;
let baseUrl: string;
let token: string;

async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

const startDatabase = () => startEmbeddedDatabase({ engine: 'java', dataFile, port, startTimeoutMs: 60_000 });
const request = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  fetch(baseUrl + path, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Accept-Language': 'en' },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });

beforeAll(async () => {
  port = await freePort();
  database = await startDatabase();
  // fail fast while the database is away, rather than holding requests for the driver's default
  connection = await connectDatabase({ uri: database.uri, dbName: 'kemai_outage', serverSelectionTimeoutMs: 1_500 });
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  app = buildApp({ config, logger: createLogger({ level: 'silent' }), connection, sessionSecret: 'outage-secret-of-at-least-thirty-two-chars', h5DistDir: '/nonexistent' });
  await app.ensureIndexes();
  await app.seedReferenceData();
  await app.services.org.seedDemoOrganisation();
  server = createServer(app.koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const login = await fetch(`${baseUrl}/api/auth/dev-login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: 'rep.east1' }) });
  token = ((await login.json()) as Json).token;
}, 120_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await connection?.close(true).catch(() => undefined);
  await database?.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const company = (name: string) => ({ type: 'company', name, industry: '互联网', source: '官网' });

describe('a database outage', () => {
  it('answers 503 with Retry-After while the database is away, and serves again when it returns', async () => {
    const before = await request('/api/customers', { method: 'POST', json: company('断库之前科技有限公司') });
    expect(before.status).toBe(201);

    await database.stop();
    const list = await request('/api/customers');
    expect(list.status).toBe(503);
    expect(list.headers.get('Retry-After')).toBe('5');
    expect(((await list.json()) as Json).error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/unavailable/) });
    const write = await request('/api/customers', { method: 'POST', json: company('断库之中科技有限公司') });
    expect(write.status).toBe(503);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200); // the process itself is fine

    database = await startDatabase();
    // the driver finds the server again by itself: no restart of Kemai
    const deadline = Date.now() + 30_000;
    let back = 0;
    while (Date.now() < deadline) {
      back = (await request('/api/customers')).status;
      if (back === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(back).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    const names = ((await (await request('/api/customers')).json()) as Json).items.map((c: Json) => c.name);
    expect(names).toContain('断库之前科技有限公司');
    // the write refused during the outage left nothing behind, and can simply be sent again
    expect(names).not.toContain('断库之中科技有限公司');
    expect((await request('/api/customers', { method: 'POST', json: company('断库之中科技有限公司') })).status).toBe(201);
  }, 120_000);
});
