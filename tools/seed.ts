// `npm run seed [-- --customers N]`: seeds the demo organisation into the configured database
// (MONGODB_URI, or the embedded one on the data file `npm start` uses: stop the server first, or
// run `npm run db` and point both at it), then adds N realistic customers in batches.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { buildModels, buildServices } from '../server/src/app.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';
import { seedDemoCustomers } from '../server/src/modules/demo/demo-seed.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { help: { type: 'boolean', short: 'h' }, customers: { type: 'string' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: npm run seed [-- --customers N]\n');
    return;
  }
  const count = values.customers === undefined ? 0 : Number(values.customers);
  if (!Number.isInteger(count) || count < 0) throw new ConfigError(['--customers: expected a whole number ≥ 0']);
  const config = loadConfig(readEnvironment());
  const logger = createLogger({ level: config.LOG_LEVEL });
  const database = await resolveDatabase(config, logger);
  const connection = await connectDatabase({ uri: database.uri, dbName: config.MONGODB_DB });
  try {
    const models = buildModels(connection);
    await Promise.all(Object.values(models).map((model) => model.createIndexes()));
    const services = buildServices(models, { config, sessionSecret: 'unused-by-the-seed-tool-000000000000', db: connection.db! });
    await services.dictionaries.seedDefaults();
    await services.pool.ensureDefaultPool();
    const { seeded } = await services.org.seedDemoOrganisation();
    process.stdout.write(seeded ? 'seeded the demo organisation\n' : 'the organisation exists already\n');
    if (count > 0) {
      const started = Date.now();
      let lastReport = 0;
      const totals = await seedDemoCustomers(models, services.clock, {
        customers: count,
        onProgress: (done, total) => {
          if (Date.now() - lastReport > 2000 || done === total) {
            lastReport = Date.now();
            process.stdout.write(`  ${done}/${total} customers\n`);
          }
        },
      });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`added ${totals.customers} customers, ${totals.contacts} contacts, ${totals.followUps} follow-ups in ${seconds} s\n`);
    }
  } finally {
    await connection.close();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseError) {
    process.stderr.write(`kemai: ${error.message}\n`);
  } else {
    process.stderr.write(`kemai: seeding failed: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
