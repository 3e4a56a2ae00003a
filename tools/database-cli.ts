// What the database commands (npm run backup / restore) share: one directory argument, the
// configured database (MONGODB_URI, or the embedded one on the data file `npm start` uses), closed
// again whatever happens, and known failures told in one line.
import { parseArgs } from 'node:util';
import type { Connection } from 'mongoose';
import { ConfigError, loadConfig, readEnvironment, type Config } from '../config/index.ts';
import { BackupError } from '../server/src/core/db/backup.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';

export function runOnDatabase(command: string, usage: string, work: (directory: string, connection: Connection, config: Config) => Promise<void>): void {
  const main = async () => {
    const { positionals, values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (values.help || positionals.length !== 1) {
      process.stdout.write(usage);
      if (!values.help) process.exitCode = 64; // EX_USAGE
      return;
    }
    const config = loadConfig(readEnvironment());
    const database = await resolveDatabase(config, createLogger({ level: 'warn' }));
    const connection = await connectDatabase({ uri: database.uri, dbName: config.MONGODB_DB });
    try {
      await work(positionals[0]!, connection, config);
    } finally {
      await connection.close();
      await database.embedded?.stop();
    }
  };
  main().catch((error: unknown) => {
    const known = error instanceof ConfigError || error instanceof EmbeddedDatabaseError || error instanceof BackupError;
    process.stderr.write(`kemai: ${known ? (error as Error).message : `${command} failed: ${(error as Error).stack ?? String(error)}`}\n`);
    process.exit(1);
  });
}
