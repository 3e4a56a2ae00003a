// `npm run restore -- <dir>`: loads a backup made by `npm run backup` into the configured database,
// which must hold no documents, then creates every index the backup recorded and every index this
// version of Kemai declares. Start the server afterwards: it applies any newer migrations.
import { buildModels } from '../server/src/app.ts';
import { restoreDatabase } from '../server/src/core/db/backup.ts';
import { GridFsStorage } from '../server/src/modules/files/file-storage.ts';
import { runOnDatabase } from './database-cli.ts';

runOnDatabase('restore', 'usage: npm run restore -- <directory>   (into an empty database: MONGODB_URI / MONGODB_DB)\n', async (directory, connection, config) => {
  const manifest = await restoreDatabase(connection.db!, directory, {
    onProgress: (name, count) => process.stdout.write(`  ${name}: ${count}\n`),
  });
  // indexes declared since the backup was made
  await Promise.all(Object.values(buildModels(connection)).map((model) => model.createIndexes()));
  await new GridFsStorage(connection.db!).ensureIndexes();
  process.stdout.write(`restored ${manifest.collections.length} collections (Kemai ${manifest.kemaiVersion}, ${manifest.finishedAt}) into ${config.MONGODB_DB}\n`);
});
