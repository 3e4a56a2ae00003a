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

/** A user added to the demo organisation before the customers are seeded (so they own some). */
export interface ExtraUser {
  login: string;
  name: string;
  role: 'rep' | 'manager';
  /** the department's name, e.g. 华东大区 */
  department: string;
  isManager?: boolean;
}

export async function startBenchApp(
  uri: string,
  options: { customers: number; h5DistDir?: string; label?: string; clock?: Clock; extraReps?: number; extraUsers?: ExtraUser[] },
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
  if (options.extraUsers?.length) {
    const departments = new Map((await app.models.departments.find({}, { name: 1 }).lean()).map((d) => [d.name, d._id]));
    await app.models.users.insertMany(
      options.extraUsers.map((u) => {
        const departmentId = departments.get(u.department);
        if (!departmentId) throw new Error(`no department ${u.department}`);
        return { login: u.login, name: u.name, role: u.role, departmentId, isManager: u.isManager ?? u.role === 'manager', active: true };
      }),
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
