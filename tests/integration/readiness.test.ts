import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { buildApp } from '../../server/src/app.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { openTestDatabase } from '../helpers/database.ts';

describe('/readyz without a database', () => {
  it('answers 503 once the database connection is gone, while /healthz stays 200', async () => {
    const db = await openTestDatabase();
    const app = buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent' }),
      logger: createLogger({ level: 'silent' }),
      connection: db.connection,
      sessionSecret: 'x'.repeat(32),
      h5DistDir: '/nonexistent',
    });
    const server = createServer(app.koa.callback()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      await db.drop(); // closes the connection
      const response = await fetch(`${base}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', checks: { database: 'down' } });
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});
