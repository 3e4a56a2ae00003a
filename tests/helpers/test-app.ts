// Builds the real app (app.ts) on a database of the test file's own, listens on a loopback port,
// and talks to it with fetch: nothing of Koa, mongoose or the HTTP layer is mocked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../config/index.ts';
import { buildApp, buildModels, type KemaiApp, type Models } from '../../server/src/app.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import type { Clock } from '../../server/src/core/clock.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: KemaiApp;
  db: TestDatabase;
  /** models on a second, unwatched connection: for assertions, which need no index */
  inspect: Models;
  config: Config;
  baseUrl: string;
  request(path: string, init?: RequestInit & { json?: unknown; token?: string }): Promise<Response>;
  /** dev-login as a demo user; returns the bearer token */
  login(login: string): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  seed?: boolean;
  h5DistDir?: string;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await openTestDatabase();
  // tests sign in dozens of demo users from one address within one (manual) minute
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', LOGIN_RATE_PER_MINUTE: '100000', ...options.env });
  const app = buildApp({
    config,
    logger: createLogger({ level: config.LOG_LEVEL }),
    connection: db.connection,
    sessionSecret: 'test-secret-of-at-least-thirty-two-characters',
    h5DistDir: options.h5DistDir ?? '/nonexistent',
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.ensureIndexes();
  await app.seedReferenceData();
  if (options.seed !== false) await app.services.org.seedDemoOrganisation();
  const inspectConnection = await connectDatabase({ uri: db.uri, dbName: db.dbName });
  const server: Server = createServer(app.koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request: TestApp['request'] = (path, init = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      body = JSON.stringify(init.json);
    }
    return fetch(baseUrl + path, { ...init, headers, body });
  };

  return {
    app,
    db,
    inspect: buildModels(inspectConnection),
    config,
    baseUrl,
    request,
    async login(login) {
      const response = await request('/api/auth/dev-login', { method: 'POST', json: { login } });
      expect(response.status, `dev-login ${login}`).toBe(200);
      return ((await response.json()) as { token: string }).token;
    },
    async close() {
      server.closeAllConnections();
      await inspectConnection.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // every test file ends by proving it used nothing the embedded engine lacks
      expect(db.unportable, 'commands the embedded engine does not run').toEqual([]);
      expect(db.unindexed(), 'query shapes no declared index serves (tests/helpers/index-coverage.ts)').toEqual([]);
      await db.drop();
    },
  };
}
