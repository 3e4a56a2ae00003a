// `npm run seed`: seeds the demo organisation into the configured database (MONGODB_URI, or the
// embedded one on the same data file `npm start` uses; stop the server first or use `npm run db`).
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { buildModels, buildServices } from '../server/src/app.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write('usage: npm run seed   (seeds the demo organisation into an empty database)\n');
    return;
  }
  const config = loadConfig(readEnvironment());
  const logger = createLogger({ level: config.LOG_LEVEL });
  const database = await resolveDatabase(config, logger);
  const connection = await connectDatabase({ uri: database.uri, dbName: config.MONGODB_DB });
  try {
    const models = buildModels(connection);
    await Promise.all(Object.values(models).map((model) => model.createIndexes()));
    const { org } = buildServices(models, { config, sessionSecret: 'unused-by-the-seed-tool-000000000000', db: connection.db! });
    const { seeded } = await org.seedDemoOrganisation();
    process.stdout.write(seeded ? 'seeded the demo organisation\n' : 'the organisation exists already; nothing to seed\n');
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
