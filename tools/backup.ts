// `npm run backup -- <dir>`: dumps the configured database (MONGODB_URI, or the embedded one on the
// data file `npm start` uses: stop the server first, or run `npm run db` and point both at it) into
// <dir>: every collection and the uploaded files, with a manifest. See README "Operations".
import { readFileSync } from 'node:fs';
import { backupDatabase } from '../server/src/core/db/backup.ts';
import { runOnDatabase } from './database-cli.ts';

runOnDatabase('backup', 'usage: npm run backup -- <directory>\n', async (directory, connection) => {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const manifest = await backupDatabase(connection.db!, directory, {
    kemaiVersion: version,
    onProgress: (name, count) => process.stdout.write(`  ${name}: ${count}\n`),
  });
  process.stdout.write(`backed up ${manifest.collections.length} collections of ${manifest.database} into ${directory}\n`);
});
