// `npm run restore -- <dir>`: loads a backup made by `npm run backup` into the configured database,
// which must hold no documents, then creates every index the backup recorded and every index this
// version of Kemai declares. Start the server afterwards: it applies any newer migrations.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { buildModels } from '../server/src/app.ts';
import { BackupError, restoreDatabase } from '../server/src/core/db/backup.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';
import { GridFsStorage } from '../server/src/modules/files/file-storage.ts';

const usage = 'usage: npm run restore -- <directory>   (into an empty database: MONGODB_URI / MONGODB_DB)\n';

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
    const manifest = await restoreDatabase(connection.db!, positionals[0]!, {
      onProgress: (name, count) => process.stdout.write(`  ${name}: ${count}\n`),
    });
    // indexes declared since the backup was made
    await Promise.all(Object.values(buildModels(connection)).map((model) => model.createIndexes()));
    await new GridFsStorage(connection.db!).ensureIndexes();
    process.stdout.write(`restored ${manifest.collections.length} collections (Kemai ${manifest.kemaiVersion}, ${manifest.finishedAt}) into ${config.MONGODB_DB}\n`);
  } finally {
    await connection.close();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof EmbeddedDatabaseError || error instanceof BackupError;
  process.stderr.write(`kemai: ${known ? (error as Error).message : `restore failed: ${(error as Error).stack ?? String(error)}`}\n`);
  process.exit(1);
});
