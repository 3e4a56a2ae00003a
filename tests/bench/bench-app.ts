// The real app on its own database for benchmarks (outside Vitest): seeded demo organisation and
// N customers, listening on a loopback port.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../config/index.ts';
import { buildApp, type KemaiApp } from '../../server/src/app.ts';
import type { Clock } from '../../server/src/core/clock.ts';
import { connectDatabase } from '../../server/src/core/db/connect.ts';
import { createLogger } from '../../server/src/core/logger.ts';
import { seedDemoCustomers } from '../../server/src/modules/demo/demo-seed.ts';

export interface BenchApp {
  app: KemaiApp;
  connection: Connection;
  dbName: string;
  base: string;
  close(): Promise<void>;
}

export async function startBenchApp(
  uri: string,
  options: { customers: number; h5DistDir?: string; label?: string; clock?: Clock; extraReps?: number },
): Promise<BenchApp> {
  const dbName = `kemai_bench_${options.customers}_${Date.now()}`;
  const connection = await connectDatabase({ uri, dbName, monitorCommands: true });
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = buildApp({
    config,
    logger: createLogger({ level: 'silent' }),
    connection,
    sessionSecret: 'b'.repeat(32),
    h5DistDir: options.h5DistDir ?? '/nonexistent',
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.ensureIndexes();
  await app.seedReferenceData();
  await app.services.org.seedDemoOrganisation();
  if (options.extraReps) {
    const east = await app.models.departments.findOne({ name: '华东大区' }).lean();
    await app.models.users.insertMany(
      Array.from({ length: options.extraReps }, (_, i) => ({ login: `rep.bench${i}`, name: `销售${i}`, role: 'rep', departmentId: east!._id, isManager: false, active: true })),
    );
  }
  const started = performance.now();
  await seedDemoCustomers(app.models, app.services.clock, { customers: options.customers, batchSize: 2000 });
  if (options.label) {
    process.stdout.write(`  [${options.label}] seeded ${options.customers} customers in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const server: Server = createServer(app.koa.callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    app,
    connection,
    dbName,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await connection.dropDatabase();
      await connection.close();
    },
  };
}
