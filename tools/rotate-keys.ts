// `npm run rotate-keys`: rewrites every stored phone and email under the first key of
// FIELD_ENCRYPTION_KEYS and rebuilds the blind indexes under BLIND_INDEX_KEY. Run it after putting a
// new key first (keep the old one listed until this finishes) or after changing the blind index key,
// against the configured database (MONGODB_URI, or the embedded one `npm start` uses: stop the
// server first). Safe to run again; a run cut short is finished by the next.
import { ConfigError, loadConfig, readEnvironment } from '../config/index.ts';
import { buildModels } from '../server/src/app.ts';
import { FieldCipherError, fieldCipherFromConfig, useFieldCipher } from '../server/src/core/crypto/field-cipher.ts';
import { connectDatabase } from '../server/src/core/db/connect.ts';
import { EmbeddedDatabaseError } from '../server/src/core/db/embedded.ts';
import { resolveDatabase } from '../server/src/core/db/resolve.ts';
import { createLogger } from '../server/src/core/logger.ts';
import { rewriteEncryptedFields } from '../server/src/modules/encryption/rewrite-encrypted.ts';
import { GridFsStorage } from '../server/src/modules/files/file-storage.ts';

async function main() {
  const config = loadConfig(readEnvironment());
  const cipher = fieldCipherFromConfig(config);
  useFieldCipher(cipher);
  const logger = createLogger({ level: 'info' });
  const database = await resolveDatabase(config, logger);
  const connection = await connectDatabase({ uri: database.uri, dbName: config.MONGODB_DB });
  try {
    const counts = await rewriteEncryptedFields(buildModels(connection), new GridFsStorage(connection.db!), logger);
    process.stdout.write(`rewrote ${counts.customers} customers, ${counts.contacts} contacts, ${counts.leads} leads, ${counts.importRows} staged import rows, ${counts.importFiles} import files, ${counts.webhooks} webhook secrets and deliveries, ${counts.campaignEmails} campaign addresses and ${counts.users} users' mobiles under key "${cipher.currentKeyId}"\n`);
  } finally {
    await connection.close();
    await database.embedded?.stop();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof EmbeddedDatabaseError || error instanceof FieldCipherError;
  process.stderr.write(`kemai: ${known ? (error as Error).message : `rotate-keys failed: ${(error as Error).stack ?? String(error)}`}\n`);
  process.exit(1);
});
