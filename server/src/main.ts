// The Kemai process: read config, start or reach the database, build the app, apply migrations,
// seed the demo organisation on an empty database, start jobs, listen; on SIGTERM/SIGINT shut down
// in order.
import { createServer, type Server } from 'node:http';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfig, readEnvironment, type Config } from '../../config/index.ts';
import { connectDatabase } from './core/db/connect.ts';
import { EmbeddedDatabaseError, type EmbeddedDatabase } from './core/db/embedded.ts';
import { MigrationError } from './core/db/migrations.ts';
import { resolveDatabase } from './core/db/resolve.ts';
import { ensureH5Build } from './core/http/h5-build.ts';
import { JobRunner } from './core/jobs/runner.ts';
import { heapLimit } from './core/heap-limit.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { buildApp, type KemaiApp } from './app.ts';
import { defineJobs, scheduleJobs } from './jobs.ts';
import { resolveSessionSecret } from './modules/auth/session-secret.ts';
import { seedDemoCustomers } from './modules/demo/demo-seed.ts';

interface Running {
  stream?: { stop(): void };
  server?: Server;
  app?: KemaiApp;
  jobs?: JobRunner;
  connection?: Connection;
  embedded?: EmbeddedDatabase | null;
}

function readConfig(): Config {
  try {
    return loadConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kemai: ${error.message}\nSee config/example.env for every key.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

async function shutdown(running: Running, config: Config, logger: Logger, reason: string): Promise<void> {
  logger.info({ reason }, 'shutting down');
  running.app?.markShuttingDown();
  const server = running.server;
  if (server) {
    // stop accepting; let in-flight requests finish within the bound, then cut what is left
    // (while draining, each response also closes its connection: see app.ts)
    const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    server.closeIdleConnections();
    const bound = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS);
    await closed;
    clearTimeout(bound);
  }
  await running.stream?.stop();
  await running.jobs?.stop().catch((err: unknown) => logger.error({ err }, 'stopping jobs failed'));
  await running.connection?.close().catch((err: unknown) => logger.error({ err }, 'closing the database failed'));
  await running.embedded?.stop();
  logger.info('stopped');
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const heap = heapLimit(config.HEAP_LIMIT_MB);
  if (!heap.asAsked) {
    logger.warn({ heapLimitMb: heap.heapLimitMb, HEAP_LIMIT_MB: config.HEAP_LIMIT_MB }, 'the heap limit is not the one HEAP_LIMIT_MB asks for: start with `npm start`, or give Node --max-old-space-size');
  }
  const running: Running = {};
  let stopping: Promise<void> | null = null;
  const stop = (reason: string, code: number) => {
    stopping ??= shutdown(running, config, logger, reason)
      .catch((err: unknown) => logger.error({ err }, 'shutdown failed'))
      .finally(() => process.exit(code));
    return stopping;
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  // started by a supervisor such as `npm start`: when it goes, so do we (and with us the database)
  const parent = process.ppid;
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) void stop('parent process exited', 0);
    }, 1000).unref();
  }
  process.once('SIGINT', () => void stop('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void stop('crash', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    void stop('crash', 1);
  });

  try {
    if (config.H5_AUTO_BUILD) {
      const built = await ensureH5Build((message) => logger.info(message));
      if (built) logger.info('built the H5 app');
    }
    const database = await resolveDatabase(config, logger);
    running.embedded = database.embedded;
    database.embedded?.exited.then((code) => {
      if (!stopping) {
        logger.fatal({ code }, 'the embedded database exited');
        void stop('embedded database exited', 1);
      }
    });
    running.connection = await connectDatabase({ uri: database.uri, dbName: config.MONGODB_DB });
    const sessionSecret = resolveSessionSecret(config.SESSION_SECRET, config.DATA_DIR);
    const app = buildApp({ config, logger, connection: running.connection, sessionSecret });
    running.app = app;
    // data first, so a migration can make existing documents fit an index declared since
    await app.migrate();
    await app.ensureIndexes();
    await app.seedReferenceData();
    if (config.SEED_DEMO) {
      const { seeded } = await app.services.org.seedDemoOrganisation();
      if (seeded) {
        const totals = await seedDemoCustomers(app.models, app.services.clock, { customers: 200 });
        logger.info(totals, 'seeded the demo organisation and customers');
      }
    }
    if (config.JOBS_ENABLED) {
      const jobs = new JobRunner({ db: running.connection.db!, logger, processEveryMs: config.JOBS_PROCESS_EVERY_MS, observer: app.metrics.jobs });
      defineJobs(jobs, app.services);
      await jobs.start();
      await scheduleJobs(jobs, app.services);
      running.jobs = jobs;
    }
    const server = createServer(app.koa.callback());
    server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
    running.server = server;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolveListen());
    });
    if (app.services.dingtalkStream) {
      // reconnects by itself; /readyz shows whether it is connected
      app.services.dingtalkStream.start().catch((err: unknown) => logger.error({ err }, 'DingTalk Stream did not connect'));
      running.stream = app.services.dingtalkStream;
    }
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    logger.info({ port, url: config.PUBLIC_URL, devLogin: config.DEV_LOGIN, heapLimitMb: heap.heapLimitMb }, 'Kemai is listening');
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError) {
      process.stderr.write(`kemai: ${error.message}\n`);
    } else if (error instanceof MigrationError) {
      logger.fatal({ err: error.cause, migration: error.migrationId }, 'start failed: a migration failed');
      process.stderr.write(`kemai: ${error.message}\n`);
    } else {
      logger.fatal({ err: error }, 'start failed');
    }
    await stop('start failed', 1);
  }
}

await main();
