// `npm run backup -- <dir>`: dumps the configured database (MONGODB_URI, or the embedded one on the
// data file `npm start` uses: stop the server first, or run `npm run db` and point both at it) into
// <dir>: every collection and the uploaded files, with a manifest. See README "Operations".
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { BackupError, backupDatabase } from '../server/src/core/db/backup.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';

const usage = 'usage: npm run backup -- <directory>\n';

async function main(): Promise<void> {
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
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const manifest = await backupDatabase(connection.db!, positionals[0]!, {
      kemaiVersion: version,
      onProgress: (name, count) => process.stdout.write(`  ${name}: ${count}\n`),
    });
    process.stdout.write(`backed up ${manifest.collections.length} collections of ${manifest.database} into ${positionals[0]}\n`);
  } finally {
    await connection.close();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof EmbeddedDatabaseError || error instanceof BackupError;
  process.stderr.write(`kemai: ${known ? (error as Error).message : `backup failed: ${(error as Error).stack ?? String(error)}`}\n`);
  process.exit(1);
});
